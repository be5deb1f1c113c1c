import type { Columns } from '../lib/report.js';
import {
  cpuCell,
  cpuFigures,
  driverFigures,
  fmt,
  latencyCell,
  meanWindowSec,
  type Result,
  type Row,
} from '../lib/result.js';
import { round, summarize } from '../lib/stats.js';
import { grantOrder } from '../scenarios/contention.js';
import type { AdminLoad, HttpFigures, LoadedWindow } from './load.js';

/**
 * Row's eight cells carry this table's eight columns, as the peers'
 * comparison table does: the admin load in the mode's place, the handoffs in
 * the sessions', autocannon's CPU in the drivers'.
 */
export const ADMIN_COLUMNS: Columns = [
  ['scenario', 'Scenario'],
  ['mode', 'Admin load'],
  ['throughput', 'Admin requests/s'],
  ['latency', 'Admin latency p50 / p99 / max'],
  ['sessions', 'Handoffs/s (wait p99)'],
  ['other', 'Handoffs against the unloaded windows beside'],
  ['brokerCpu', 'Broker CPU (other load)'],
  ['driver', 'autocannon CPU'],
];

/** autocannon's figures for a JSON line. */
function httpJson(http: HttpFigures | null): Record<string, number | null> {
  return {
    requestsPerSec: http?.requestsPerSec ?? null,
    requests: http?.count ?? null,
    latencyP50Ms: http?.p50Ms ?? null,
    latencyP99Ms: http?.p99Ms ?? null,
    latencyMaxMs: http?.maxMs ?? null,
    non2xx: http?.non2xx ?? null,
    requestErrors: http?.errors ?? null,
  };
}

function requestsCell(http: HttpFigures | null): string {
  if (!http) return '—';
  const bad = [
    ...(http.non2xx > 0 ? [`${fmt(http.non2xx)} non-2xx`] : []),
    ...(http.errors > 0 ? [`${fmt(http.errors)} errors`] : []),
  ];
  return `${fmt(http.requestsPerSec)}${bad.length ? ` (${bad.join(', ')})` : ''}`;
}

/** The cells and JSON fields every admin row shares: the load, autocannon's figures, CPU. */
function common(
  lw: LoadedWindow,
  load: AdminLoad | null,
): {
  fields: Record<string, unknown>;
  cells: Pick<Row, 'mode' | 'throughput' | 'latency' | 'brokerCpu' | 'driver'>;
} {
  const w = { ...lw.w, otherCpuPct: lw.otherCpuPct };
  const http = lw.http;
  return {
    fields: {
      load: load?.name ?? 'none',
      paths: load?.paths ?? [],
      ratePerSec: load?.ratePerSec ?? null,
      ...httpJson(http),
      ...cpuFigures(w),
      runnerCpuPct: round(lw.runnerCpuPct),
      windowMs: round(w.windowMs),
      ...driverFigures(w),
    },
    cells: {
      mode: load?.name ?? 'none',
      throughput: requestsCell(http),
      latency: http ? latencyCell('', http.p50Ms, http.p99Ms, http.maxMs).trim() : '—',
      brokerCpu: cpuCell(w),
      driver: `${fmt(lw.runnerCpuPct)}%`,
    },
  };
}

/** Real handoffs per second of a window, as B counts them. */
function handoffsPerSec(lw: LoadedWindow): number {
  return grantOrder(lw.w.reports).realHandoffs / meanWindowSec(lw.w);
}

/**
 * One window of B with admin load: `beside` are the unloaded windows just
 * before and after a loaded one (none for an unloaded one), whose mean is
 * what the loaded window's handoffs are read against.
 */
export function contendedResult(
  sessions: number,
  lw: LoadedWindow,
  load: AdminLoad | null,
  beside: readonly LoadedWindow[],
): Result {
  const { fields, cells } = common(lw, load);
  const order = grantOrder(lw.w.reports);
  const handoffs = handoffsPerSec(lw);
  const wait = summarize(lw.w.reports.map((r) => r.latenciesMs));
  const unloaded = beside.length
    ? beside.reduce((s, b) => s + handoffsPerSec(b), 0) / beside.length
    : NaN;
  const slowdownPct = ((unloaded - handoffs) / unloaded) * 100;
  const slower = slowdownPct >= 0 ? 'slower' : 'faster';
  return {
    json: {
      scenario: 'B+admin',
      ...fields,
      sessions,
      handoffsPerSec: round(handoffs),
      unloadedHandoffsPerSec: round(unloaded),
      handoffSlowdownPct: round(slowdownPct, 1),
      duplicateTokens: order.duplicateTokens,
      waitP50Ms: wait.p50Ms,
      waitP99Ms: wait.p99Ms,
    },
    row: {
      ...cells,
      scenario: `B + admin, ${fmt(sessions)} sessions`,
      sessions: `${fmt(handoffs)} (${fmt(wait.p99Ms, 1)} ms)`,
      other: load
        ? `${fmt(Math.abs(slowdownPct), 1)}% ${slower} than ${fmt(unloaded)}/s` +
          (order.duplicateTokens > 0 ? `, ${order.duplicateTokens} DUPLICATE TOKENS` : '')
        : 'unloaded',
    },
  };
}

/** One window of admin load beside `sessions` sessions standing in one queue. */
export function standingQueueResult(sessions: number, lw: LoadedWindow, load: AdminLoad): Result {
  const { fields, cells } = common(lw, load);
  return {
    json: { scenario: 'sessions+admin', ...fields, sessions },
    row: {
      ...cells,
      scenario: `${fmt(sessions)} sessions + admin`,
      sessions: '— (queue standing)',
      other: '—',
    },
  };
}
