// The page's script: bundled with esbuild into dist/lock-page.js (see package.json).
import { connect, type BatonClient, type BatonError } from '@baton-locks/client/browser';

const params = new URLSearchParams(location.search);
/** `?broker=ws://…` to point the page elsewhere; the broker must allow this page's origin. */
const brokerUrl = params.get('broker') ?? `ws://${location.hostname}:7070`;
const path = params.get('path') ?? 'demo/browser-page';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const take = byId<HTMLButtonElement>('take');
const release = byId<HTMLButtonElement>('release');
const cancel = byId<HTMLButtonElement>('cancel');
const status = byId('status');
byId('path').textContent = path;
byId('broker').textContent = brokerUrl;

const show = (text: string): void => {
  status.textContent = text;
};

/** Resolves when "Release it" is clicked (or the lock is lost, through the signal). */
function releaseClicked(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    release.onclick = () => resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

async function holdUntilReleased(client: BatonClient): Promise<void> {
  const waiting = new AbortController();
  cancel.onclick = () => waiting.abort(new Error('stopped from the page'));
  take.disabled = true;
  cancel.disabled = false;
  show(`waiting for ${path}…`);
  let ended: string;
  try {
    // Released when this block is left: after "Release it", or on an error.
    await using lease = await client.acquire(path, { signal: waiting.signal });
    cancel.disabled = true;
    release.disabled = false;
    show(`holding ${path} with token ${lease.token}`);
    await releaseClicked(lease.signal);
    const lost = lease.signal.reason as Error | undefined;
    ended = lost ? `lost ${path}: ${lost.message}` : `released ${path}`;
  } catch (err) {
    // Every SDK error is a BatonError with a code; ABORTED carries the signal's reason as cause.
    const { code, message, cause } = err as BatonError;
    ended = `${code}: ${message}` + (cause instanceof Error ? ` (${cause.message})` : '');
  }
  take.disabled = false;
  release.disabled = true;
  cancel.disabled = true;
  show(ended);
}

try {
  const client = await connect({ url: brokerUrl, name: 'example browser page' });
  client.onStatus((s) => {
    if (s.state !== 'connected') show(`connection: ${s.state}`);
  });
  // Ends the session at once rather than when its TTL runs out.
  window.addEventListener('pagehide', () => void client.close());
  take.onclick = () => void holdUntilReleased(client);
  take.disabled = false;
  show('connected');
} catch (err) {
  show(`cannot connect to ${brokerUrl}: ${(err as Error).message}`);
}
