/**
 * Knobs of `npm run bench:peers`. Warm-up, window and session counts are the
 * baseline's (bench/lib/config.ts): the peers run Baton's scenarios.
 */
import { MEASURE_MS, QUEUE_FORM_TIMEOUT_MS, WARMUP_MS } from '../lib/config.js';

/** The peers, in the order their rows appear within each scenario. */
export const PEER_NAMES = ['redlock', 'redis-setnx', 'etcd', 'zookeeper'] as const;
export type PeerName = (typeof PEER_NAMES)[number];

export function isPeerName(name: string): name is PeerName {
  return (PEER_NAMES as readonly string[]).includes(name);
}

/**
 * A Redis waiter whose attempt fails sleeps this long (± the jitter) and
 * tries again: short, so contended waiters keep retrying (redlock's default,
 * 200 ± 100 ms, would leave the lock idle most of the time), and the same for
 * both Redis peers, so they differ only in their commands.
 */
export const REDIS_RETRY_DELAY_MS = 10;
export const REDIS_RETRY_JITTER_MS = 5;
/** PX of every Redis lock key: long enough that a bench hold never expires. */
export const REDIS_LOCK_TTL_MS = 30_000;
/** Redis's default `maxclients`, 10,000, is exactly C's and E's sessions, with no room to spare. */
export const REDIS_MAX_CLIENTS = 12_000;

export const SERVER_READY_TIMEOUT_MS = 30_000;
/** A run with no result by then fails as stalled, so one stuck system cannot hang the run. */
export const RUN_TIMEOUT_MS = 60_000;
/** C's queue has QUEUE_FORM_TIMEOUT_MS to form; this adds the warm-up, window and close. */
export const CONTEND_RUN_TIMEOUT_MS = QUEUE_FORM_TIMEOUT_MS + WARMUP_MS + MEASURE_MS + 20_000;
/**
 * E's idle time for every system (`npm run bench` waits 1 s). Servers tidy
 * idle connections on their own clock: Redis shrinks an idle client's query
 * buffer after 2 s (10,000 connections took it from 153 MiB at 1 s to 33 MiB
 * by 15 s), and sessions send keep-alives every ~10 s. 15 s covers both.
 */
export const PEER_IDLE_SETTLE_MS = 15_000;
/** 10,000 etcd clients took ~10–15 s to connect, then the 15 s idle. */
export const IDLE_RUN_TIMEOUT_MS = 90_000;

export const INSTALL_LINE = 'apt-get install -y etcd-server zookeeper redis-server';
