import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import {
  CONNECT_CONCURRENCY,
  HANDOFF_PAUSE_MAX_MS,
  HANDOFF_PAUSE_MIN_MS,
  HANDOFF_REPS,
  IDLE_SESSIONS,
  IDLE_SETTLE_MS,
} from './bench-config.js';
import { BenchChild } from './bench-child.js';
import type { BrokerCommand, BrokerReply } from './messages.js';
import { fmt, latencyCell, type Result } from './result.js';
import { openPool } from './session-pool.js';
import { randomInt, round, summarize } from './stats.js';

type FloorChild = BenchChild<BrokerCommand, BrokerReply>;

/**
 * Scenario T, the transport floor: a bare `ws` echo server in the broker's
 * place (same process setup, same `ws` options), measured as D and E measure
 * the broker. A round trip at D's random phase is what one handoff (release
 * out, grant back) cannot beat; its RSS with 10,000 idle sockets is what E
 * cannot go under. Baton's D and E rows are read against these.
 */
export async function transportFloor(): Promise<Result> {
  const server: FloorChild = BenchChild.fork('floor', './broker-process.js', ['--expose-gc'], {
    BATON_BENCH_FLOOR: '1',
  });
  const sockets: WebSocket[] = [];
  try {
    const ready = await server.next();
    if (ready.t !== 'ready') throw new Error(`floor: expected ready, got ${ready.t}`);
    const url = `ws://127.0.0.1:${ready.port}`;
    const rtt = await roundTrips(url);
    await server.ask({ t: 'gc' }, 'gc-done');
    const before = await server.ask({ t: 'sample' }, 'sample');
    const pool = await openPool(IDLE_SESSIONS, CONNECT_CONCURRENCY, () => open(url));
    sockets.push(...pool.clients);
    await sleep(IDLE_SETTLE_MS);
    await server.ask({ t: 'gc' }, 'gc-done');
    const after = await server.ask({ t: 'sample' }, 'sample');
    const n = Math.max(1, pool.clients.length);
    const rssPerSessionKiB = round((after.rssBytes - before.rssBytes) / n / 1024, 2);
    const mib = (b: number): number => round(b / 1024 / 1024, 1);
    return {
      json: {
        scenario: 'T',
        mode: 'ws-floor',
        roundTripP50Ms: rtt.p50Ms,
        roundTripP99Ms: rtt.p99Ms,
        sockets: pool.clients.length,
        connectFailed: pool.failed,
        rssBeforeMiB: mib(before.rssBytes),
        rssAfterMiB: mib(after.rssBytes),
        rssPerSocketKiB: rssPerSessionKiB,
      },
      row: {
        scenario: 'T transport floor',
        mode: 'bare ws echo',
        sessions: fmt(pool.clients.length),
        throughput: `${fmt(rssPerSessionKiB, 1)} KiB RSS/socket`,
        latency: latencyCell('round trip', rtt.p50Ms, rtt.p99Ms, rtt.maxMs),
        other:
          `${rtt.count} round trips ${HANDOFF_PAUSE_MIN_MS}–${HANDOFF_PAUSE_MAX_MS} ms apart; ` +
          `RSS ${fmt(mib(before.rssBytes), 1)} → ${fmt(mib(after.rssBytes), 1)} MiB with idle sockets`,
        brokerCpu: '—',
        driver: 'runner',
      },
    };
  } finally {
    for (const s of sockets) s.terminate();
    await server.stop({ t: 'exit' });
  }
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** D's pattern on the bare transport: a small binary message out and back, at a random phase. */
async function roundTrips(url: string): Promise<ReturnType<typeof summarize>> {
  const ws = await open(url);
  const samples = new Float64Array(HANDOFF_REPS);
  const payload = Buffer.alloc(32, 1);
  try {
    for (let i = 0; i < HANDOFF_REPS; i++) {
      await sleep(randomInt(HANDOFF_PAUSE_MIN_MS, HANDOFF_PAUSE_MAX_MS));
      const echoed = new Promise((resolve) => ws.once('message', resolve));
      const sentAt = performance.now();
      ws.send(payload);
      await echoed;
      samples[i] = performance.now() - sentAt;
    }
  } finally {
    ws.terminate();
  }
  return summarize([samples]);
}
