import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import {
  CONNECT_CONCURRENCY,
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  HANDOFF_WARMUP_PASS_MS,
  HANDOFF_WARMUP_REPS,
  IDLE_SESSIONS,
  IDLE_SETTLE_MS,
} from '../lib/config.js';
import { startBroker } from '../lib/broker.js';
import { openPool } from '../lib/pool.js';
import { fmt, latencyCell, type Result } from '../lib/report.js';
import { randomInt, summarize } from '../lib/stats.js';
import { repeat } from '../lib/time.js';
import { memoryGrowth } from './catalog.js';

/**
 * Scenario T, the transport floor: a bare `ws` echo server in the broker's
 * place, measured as D and E measure the broker (each idle socket has
 * carried one message each way, as a session's hello and welcome). No broker on `ws` beats its
 * round trip or goes under its RSS per idle socket.
 */
export async function transportFloor(): Promise<Result> {
  const server = await startBroker('echo', { exposeGc: true });
  const sockets: WebSocket[] = [];
  try {
    const url = server.endpoint;
    // Memory first: E's broker is measured fresh, and a warmed-up server
    // would count its warm-up's growth in the baseline, not per socket.
    await server.gc();
    const before = await server.sample();
    const pool = await openPool(IDLE_SESSIONS, CONNECT_CONCURRENCY, () => openGreeted(url));
    sockets.push(...pool.clients);
    await sleep(IDLE_SETTLE_MS);
    await server.gc();
    const m = memoryGrowth(before, await server.sample(), pool.clients.length);
    const rtt = await roundTrips(url);
    return {
      json: {
        scenario: 'T',
        mode: 'ws-floor',
        roundTripP50Ms: rtt.p50Ms,
        roundTripP99Ms: rtt.p99Ms,
        sockets: pool.clients.length,
        connectFailed: pool.failed,
        rssBeforeMiB: m.rssBeforeMiB,
        rssAfterMiB: m.rssAfterMiB,
        rssPerSocketKiB: m.rssPerSessionKiB,
      },
      row: {
        scenario: 'T transport floor',
        mode: 'bare ws echo',
        sessions: fmt(pool.clients.length),
        throughput: `${fmt(m.rssPerSessionKiB, 1)} KiB RSS/socket`,
        latency: latencyCell('round trip', rtt.p50Ms, rtt.p99Ms, rtt.maxMs),
        other:
          `${rtt.count} round trips ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart, warmed up; ` +
          `RSS ${fmt(m.rssBeforeMiB, 1)} → ${fmt(m.rssAfterMiB, 1)} MiB with idle sockets`,
        brokerCpu: '—',
        driver: 'runner',
      },
    };
  } finally {
    for (const s of sockets) s.terminate();
    await server.stop();
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/**
 * A socket that has carried one message each way, as a session's socket has
 * (its hello and welcome) before it sits idle: `ws` keeps a little more for a
 * socket that has read a frame (its receive buffer list), and E's sessions
 * have paid that too.
 */
async function openGreeted(url: string): Promise<WebSocket> {
  const ws = await open(url);
  const echoed = new Promise((resolve) => ws.once('message', resolve));
  ws.send(GREETING);
  await echoed;
  return ws;
}

/** About a hello's size. */
const GREETING = Buffer.alloc(64, 1);

/**
 * D's pattern on the bare transport: a small binary message out and back, at
 * a random phase, after D's warm-up of round trips back to back.
 */
async function roundTrips(url: string): Promise<ReturnType<typeof summarize>> {
  const ws = await open(url);
  const samples = new Float64Array(HANDOFF_REPS);
  const payload = Buffer.alloc(32, 1);
  const roundTrip = async (): Promise<number> => {
    const echoed = new Promise((resolve) => ws.once('message', resolve));
    const sentAt = performance.now();
    ws.send(payload);
    await echoed;
    return performance.now() - sentAt;
  };
  try {
    await repeat(HANDOFF_WARMUP_REPS, HANDOFF_WARMUP_PASS_MS, roundTrip);
    for (let i = 0; i < HANDOFF_REPS; i++) {
      await sleep(randomInt(HANDOFF_PAUSE_MIN_MS, HANDOFF_PAUSE_MAX_MS));
      samples[i] = await roundTrip();
    }
  } finally {
    ws.terminate();
  }
  return summarize([samples]);
}
