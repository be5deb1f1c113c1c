/**
 * Knobs of `npm run bench:peers`. Warm-up, window and session counts are the
 * baseline's (bench-config.ts): the peers run Baton's scenarios, not their own.
 */

/** The peers, in the order their rows appear within each scenario. */
export const PEER_NAMES = ['redlock', 'redis-setnx', 'etcd', 'zookeeper'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export function isPeerName(name: string): name is PeerName {
  return (PEER_NAMES as readonly string[]).includes(name);
}

/**
 * Redis peers poll: a waiter whose attempt fails sleeps this long (± the
 * jitter) and tries again. Short, so contended waiters keep retrying (redlock's
 * own default, 200 ± 100 ms, would leave the lock idle most of the time); the
 * same for both Redis peers, so they differ only in their commands.
 */
export const REDIS_RETRY_DELAY_MS = 10;
export const REDIS_RETRY_JITTER_MS = 5;

/** TTL of every Redis lock key (PX): long enough that a bench hold never expires. */
export const REDIS_LOCK_TTL_MS = 30_000;

/** A server that has not answered within this after its start is reported as failing. */
export const SERVER_READY_TIMEOUT_MS = 30_000;

/**
 * A scenario run that has no result within this fails as stalled (its
 * processes are killed), so one stuck peer cannot hang the run. C forms a
 * queue of 1,000 first, so it gets longer.
 */
export const RUN_TIMEOUT_MS = 60_000;
export const LARGE_RUN_TIMEOUT_MS = 90_000;

/** Scenario C's size for the peers: 1,000 (10,000 would take minutes per peer). */
export const PEER_CONTEND_LARGE_SESSIONS = 1_000;

/** The apt line that installs every peer server (Debian 12). */
export const INSTALL_LINE = 'apt-get install -y etcd-server zookeeper redis-server';
