import { connect } from 'node:net';
import type { RedisMirrorOptions } from '../mirror/redis-mirror-options.js';
import { explainError } from './net-errors.js';
import { withoutPassword } from './server-config.js';

const PROBE_TIMEOUT_MS = 2_000;

/** Whether a TCP connection to host:port opens; null when it does, else why not in words. */
function probe(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: PROBE_TIMEOUT_MS });
    socket.once('connect', () => (socket.destroy(), resolve(null)));
    socket.once('timeout', () => (socket.destroy(), resolve('no answer (connection timed out)')));
    socket.once('error', (err) => resolve(explainError(err)));
  });
}

/**
 * Why a broker could not start on Redis within its time, as far as a plain
 * connection can tell: ioredis keeps dialling Sentinels and does not say.
 */
export async function whyRedisIsUnreachable(redis: RedisMirrorOptions): Promise<string> {
  if (redis.sentinels !== undefined && redis.sentinels.length > 0) {
    const answers = await Promise.all(
      redis.sentinels.map(async ({ host, port }) => {
        const why = await probe(host, port);
        return why === null ? null : `Sentinel ${host}:${port}: ${why}`;
      }),
    );
    const failed = answers.filter((a) => a !== null);
    if (failed.length === answers.length) return `no Sentinel answers: ${failed.join('; ')}`;
    const also = failed.length > 0 ? ` (${failed.join('; ')})` : '';
    return `the Sentinels answer but give no reachable primary named ${redis.sentinelName ?? '?'}${also}`;
  }
  const url = URL.parse(redis.url ?? '');
  const shown = withoutPassword(redis.url ?? '');
  if (url === null) return `${shown} is not a URL`;
  const why = await probe(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 6379));
  return why === null
    ? `${shown} accepts connections but does not answer as Redis (a wrong password, TLS, or not Redis?)`
    : `${shown}: ${why}`;
}
