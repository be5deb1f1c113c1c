import { BatonClient, BatonError, nodeSockets, type ClientOptions } from '../../client/node.js';
import { errorCode, explainCode } from './net-errors.js';

/** No broker could be reached; the message says which URLs and why each failed. */
export class BrokerUnreachableError extends Error {
  override name = 'BrokerUnreachableError';
}

/**
 * Codes that dialling again within seconds will not cure: once every URL
 * failed with one of them, waiting out the connect timeout helps nobody.
 */
const FINAL_CODES = new Set(['ENOTFOUND']);
const isFinal = (code: string | undefined): boolean =>
  code !== undefined && (FINAL_CODES.has(code) || explainCode(code)?.startsWith('TLS') === true);

/**
 * Connects as `connect` from the client does (its sockets), but listens to the status stream
 * from the first dial, so a failure can say, per URL, why (refused, DNS, TLS):
 * `connect` resolves only with a session and rejects with the last message.
 */
export async function dialBroker(options: ClientOptions): Promise<BatonClient> {
  const urls = typeof options.url === 'string' ? [options.url] : options.url;
  const open = nodeSockets(options);
  let dialled = '';
  const client = new BatonClient(options, (url) => {
    dialled = url;
    return open(url);
  });
  const failures = new Map<string, BatonError>();
  let gaveUp = false;
  const stop = client.onStatus((status) => {
    if (status.state !== 'reconnecting' || status.error === undefined) return;
    failures.set(dialled, status.error);
    const all = urls.every((u) => isFinal(errorCode(failures.get(u))));
    if (all && !gaveUp) {
      gaveUp = true;
      void client.close();
    }
  });
  try {
    await client.start();
    return client;
  } catch (err) {
    // A refusal of who we are is the broker's answer, not a failure to reach it.
    if (!gaveUp && err instanceof BatonError && err.code !== 'CLOSED') throw err;
    throw new BrokerUnreachableError(unreachableMessage(urls, failures, err));
  } finally {
    stop();
  }
}

function unreachableMessage(
  urls: readonly string[],
  failures: ReadonlyMap<string, BatonError>,
  final: unknown,
): string {
  const why = (url: string): string => {
    const failure = failures.get(url);
    if (failure === undefined) return 'no answer';
    const explained = explainCode(errorCode(failure));
    // The link's message starts with the URL, said already.
    if (explained !== null) return explained;
    const message = failure.message.replace(`${url}: `, '');
    // An HTTP answer to the upgrade: something listens there, but not a broker's lock port.
    return /^Unexpected server response/.test(message)
      ? `${message} (not a broker's lock port: its admin port?)`
      : message;
  };
  if (failures.size === 0) return (final as Error).message;
  if (urls.length === 1) return `cannot reach the broker at ${urls[0]}: ${why(urls[0] as string)}`;
  return `cannot reach any broker: ${urls.map((u) => `${u}: ${why(u)}`).join('; ')}`;
}
