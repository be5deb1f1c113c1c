import { CONNECT_CONCURRENCY, CONNECT_TIMEOUT_MS, SESSION_TTL_MS } from './bench-config.js';
import { BenchChild } from './bench-child.js';
import type { DriverCommand, DriverReply } from './messages.js';

export type DriverChild = BenchChild<DriverCommand, DriverReply>;

export interface ConnectResult {
  ok: number;
  failed: number;
  firstError: string | null;
  ms: number;
}

/** `BATON_BENCH_CPU_PROF=dir` writes a V8 CPU profile of every broker and driver into `dir`. */
export function profileArgs(): string[] {
  const dir = process.env['BATON_BENCH_CPU_PROF'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Forks `count` drivers and waits until each says it is ready. */
export async function forkDrivers(count: number): Promise<DriverChild[]> {
  const drivers: DriverChild[] = [];
  try {
    for (let i = 0; i < count; i++) {
      drivers.push(BenchChild.fork(`driver ${i + 1}`, './driver.js', profileArgs()));
    }
    for (const d of drivers) await d.next();
    return drivers;
  } catch (err) {
    for (const d of drivers) d.kill();
    throw err;
  }
}

/**
 * Opens `total` sessions spread evenly over the drivers. `url` may list
 * several brokers (scenario F): the client moves on to the next when one is
 * down or a standby.
 */
export async function connectDrivers(
  drivers: readonly DriverChild[],
  url: string | string[],
  total: number,
): Promise<ConnectResult> {
  const startedAt = performance.now();
  const n = drivers.length;
  let first = 0;
  const asks = drivers.map((d, i) => {
    const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
    const ask = d.ask(
      {
        t: 'connect',
        url,
        first,
        count,
        concurrency: Math.max(1, Math.floor(CONNECT_CONCURRENCY / n)),
        ttlMs: SESSION_TTL_MS,
        timeoutMs: CONNECT_TIMEOUT_MS,
      },
      'connected',
      CONNECT_TIMEOUT_MS * 2,
    );
    first += count;
    return ask;
  });
  const replies = await Promise.all(asks);
  return {
    ok: replies.reduce((s, r) => s + r.ok, 0),
    failed: replies.reduce((s, r) => s + r.failed, 0),
    firstError: replies.find((r) => r.firstError !== null)?.firstError ?? null,
    ms: performance.now() - startedAt,
  };
}
