/**
 * Knobs of `npm run bench:peers`. Warm-up, window and session counts are the
 * baseline's (bench/lib/config.ts): the peers run Baton's scenarios, not their own.
 */
import { MEASURE_MS, QUEUE_FORM_TIMEOUT_MS, WARMUP_MS } from '../lib/config.js';

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
 * processes are killed), so one stuck system cannot hang the run.
 */
export const RUN_TIMEOUT_MS = 60_000;
/**
 * C's bound. Its queue must form within QUEUE_FORM_TIMEOUT_MS (90 s) of the
 * first connect, or the row fails with how far it got (contention.ts); this
 * adds the warm-up, the window and the close, so that only a stall
 * elsewhere (a connect that never returns) ends it as "stalled".
 */
export const CONTEND_RUN_TIMEOUT_MS = QUEUE_FORM_TIMEOUT_MS + WARMUP_MS + MEASURE_MS + 20_000;
/**
 * How long E's sessions sit idle before the second RSS reading, for every
 * system of the side-by-side run (`npm run bench` waits 1 s). Servers tidy
 * up idle connections on their own clock: Redis shrinks a client's query
 * buffer once it has been idle 2 s (in a trial, 10,000 connections took
 * Redis from 153 MiB at 1 s to 33 MiB by 15 s), and sessions send their
 * keep-alives every ~10 s (a third of the 30 s TTL). 15 s covers both.
 */
export const PEER_IDLE_SETTLE_MS = 15_000;
/** E's bound: 10,000 etcd clients took ~10–15 s to connect, then the 15 s idle. */
export const IDLE_RUN_TIMEOUT_MS = 90_000;

/**
 * Redis's `maxclients`: its default, 10,000, is exactly the sessions of C
 * and E, with no room for anything else. Redis needs this many open files
 * plus 32, and lowers the figure itself (with a warning) when `ulimit -n` is lower.
 */
export const REDIS_MAX_CLIENTS = 12_000;

/** The apt line that installs every peer server (Debian 12). */
export const INSTALL_LINE = 'apt-get install -y etcd-server zookeeper redis-server';
