/**
 * The etcd peer's election (scenario L): `etcd3`'s own `Election`, the port
 * of Go's `concurrency.Election`, as a user would call it. A campaign grants
 * a lease of its own, puts `election/<path>/<lease id>` with the value and
 * waits for every key created before it to go; `resign()` revokes the lease.
 * The observer reads the lowest key, watches it until it goes, and reads
 * again; it is told values only (no revision), so L names terms by value.
 */
import type { Campaign, Etcd3 } from 'etcd3';
import type { Term } from '../../lib/pool.js';

/**
 * Runs for leader of `path` with `value`; `onQueued(true)` once its key is in
 * the line (the campaign's own `_isWaiting` event, or elected at once), and
 * `onQueued(false)` when it resigns.
 */
export async function campaign(
  etcd: Etcd3,
  path: string,
  value: string,
  ttlSec: number,
  onQueued: (queued: boolean) => void,
): Promise<Term> {
  const c: Campaign = etcd.election(path, ttlSec).campaign(value);
  // Internal to etcd3 (its tests wait on it), the one sign that the key is placed.
  c.once('_isWaiting', () => onQueued(true));
  await c.wait();
  onQueued(true);
  return {
    resign: async () => {
      onQueued(false);
      await c.resign();
    },
  };
}

/** `etcd3`'s election observer, told to `listener` as Baton's `observe` tells it. */
export function observeLeader(
  etcd: Etcd3,
  path: string,
  listener: (leader: { value: string } | null) => void,
  onError: (error: Error) => void = () => {},
): () => void {
  let stopped = false;
  const tell = (value: string | undefined): void =>
    listener(value === undefined ? null : { value });
  const observing = etcd
    .election(path)
    .observe()
    .then((observer) => {
      observer.on('change', tell);
      observer.on('error', onError);
      if (stopped) void observer.cancel();
      else tell(observer.leader());
      return observer;
    });
  observing.catch(onError);
  return () => {
    stopped = true;
    void observing.then(
      (o) => o.cancel(),
      () => {},
    );
  };
}
