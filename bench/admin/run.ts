/**
 * `npm run bench:admin`: autocannon, in this process, on the broker's admin
 * API while B's sessions hand one lock round (and how much that slows them),
 * then beside 10,000 sessions in one queue. One JSON line per window, then a
 * table, also into bench/README.md.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { brokerMode, brokerTarget } from '../lib/broker.js';
import {
  CONTEND_SESSIONS,
  IDLE_SESSIONS,
  SMALL_DRIVERS,
  TWO_DRIVERS_FROM,
  WARMUP_MS,
} from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import {
  cpuCell,
  cpuFigures,
  driverFigures,
  fmt,
  latencyCell,
  markdownTable,
  meanWindowSec,
  plainTable,
  runInfo,
  runLine,
  writeReadmeBlock,
  type Columns,
} from '../lib/report.js';
import type { Rig } from '../lib/rig.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { round, summarize } from '../lib/stats.js';
import { formQueue, grantOrder } from '../scenarios/contention.js';
import {
  ADMIN_CONNECTIONS,
  ADMIN_WINDOW_MS,
  CONTENDED_LOADS,
  MANY_LOADS,
  measureWindow,
  type AdminLoad,
  type LoadedWindow,
} from './load.js';

/** A row of the admin table. */
interface AdminRow {
  scenario: string;
  load: string;
  requests: string;
  latency: string;
  handoffs: string;
  vsUnloaded: string;
  brokerCpu: string;
  runnerCpu: string;
}

const COLUMNS: Columns<AdminRow> = [
  ['scenario', 'Scenario'],
  ['load', 'Admin load'],
  ['requests', 'Admin requests/s'],
  ['latency', 'Admin latency p50 / p99 / max'],
  ['handoffs', 'Handoffs/s (wait p99)'],
  ['vsUnloaded', 'Handoffs against the unloaded windows beside'],
  ['brokerCpu', 'Broker CPU (other load)'],
  ['runnerCpu', 'autocannon CPU'],
];

interface AdminResult {
  json: Record<string, unknown>;
  row: AdminRow;
}

/** The JSON fields and cells every admin row shares: the load, autocannon's figures, CPU. */
function common(lw: LoadedWindow, load: AdminLoad | null) {
  const w = { ...lw.w, otherCpuPct: lw.otherCpuPct };
  const http = lw.http;
  const bad = [
    ...(http && http.non2xx > 0 ? [`${fmt(http.non2xx)} non-2xx`] : []),
    ...(http && http.errors > 0 ? [`${fmt(http.errors)} errors`] : []),
  ];
  const fields = {
    load: load?.name ?? 'none',
    paths: load?.paths ?? [],
    ratePerSec: load?.ratePerSec ?? null,
    requestsPerSec: http?.requestsPerSec ?? null,
    requests: http?.count ?? null,
    latencyP50Ms: http?.p50Ms ?? null,
    latencyP99Ms: http?.p99Ms ?? null,
    latencyMaxMs: http?.maxMs ?? null,
    non2xx: http?.non2xx ?? null,
    requestErrors: http?.errors ?? null,
    ...cpuFigures(w),
    runnerCpuPct: round(lw.runnerCpuPct),
    windowMs: round(w.windowMs),
    ...driverFigures(w),
  };
  const cells = {
    load: load?.name ?? 'none',
    requests: http ? `${fmt(http.requestsPerSec)}${bad.length ? ` (${bad.join(', ')})` : ''}` : '—',
    latency: http ? latencyCell('', http.p50Ms, http.p99Ms, http.maxMs).trim() : '—',
    brokerCpu: cpuCell(w),
    runnerCpu: `${fmt(lw.runnerCpuPct)}%`,
  };
  return { fields, cells };
}

/** Real handoffs per second of a window, as B counts them. */
function handoffsPerSec(lw: LoadedWindow): number {
  return grantOrder(lw.w.reports).realHandoffs / meanWindowSec(lw.w);
}

/**
 * One window of B with admin load, read against the mean of `beside`: the
 * unloaded windows just before and after it (none for an unloaded one).
 */
function contendedResult(
  sessions: number,
  lw: LoadedWindow,
  load: AdminLoad | null,
  beside: readonly LoadedWindow[],
): AdminResult {
  const { fields, cells } = common(lw, load);
  const order = grantOrder(lw.w.reports);
  const handoffs = handoffsPerSec(lw);
  const wait = summarize(lw.w.reports.map((r) => r.latenciesMs));
  const unloaded = beside.length
    ? beside.reduce((s, b) => s + handoffsPerSec(b), 0) / beside.length
    : NaN;
  const slowdownPct = ((unloaded - handoffs) / unloaded) * 100;
  const slower = slowdownPct >= 0 ? 'slower' : 'faster';
  const duplicates = order.duplicateTokens > 0 ? `, ${order.duplicateTokens} DUPLICATE TOKENS` : '';
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
      handoffs: `${fmt(handoffs)} (${fmt(wait.p99Ms, 1)} ms)`,
      vsUnloaded: load
        ? `${fmt(Math.abs(slowdownPct), 1)}% ${slower} than ${fmt(unloaded)}/s${duplicates}`
        : 'unloaded',
    },
  };
}

/** A fresh embedded broker with its admin server, and `drivers` drivers. */
function startRig(drivers: number): Promise<Rig> {
  const embedded = () => brokerMode('embedded', null, 'admin');
  return brokerTarget('embedded', embedded, true).start({ drivers });
}

/**
 * B with admin load: windows without and with admin load take turns,
 * starting and ending without, so each loaded window is read against the two
 * beside it and a drift of the machine's load shows rather than passing for
 * the admin's cost.
 */
async function contendedWithAdmin(): Promise<AdminResult[]> {
  const rig = await startRig(SMALL_DRIVERS);
  try {
    const sessions = (await formQueue(rig, CONTEND_SESSIONS)).conn.ok;
    rig.go();
    await sleep(WARMUP_MS);
    const plan = [null, ...CONTENDED_LOADS.flatMap((load) => [load, null])];
    const windows: LoadedWindow[] = [];
    for (const load of plan) windows.push(await measureWindow(rig, load));
    return windows.map((lw, i) => {
      const load = plan[i] ?? null;
      const beside = load ? [windows[i - 1], windows[i + 1]] : [];
      return contendedResult(
        sessions,
        lw,
        load,
        beside.filter((x) => x !== undefined),
      );
    });
  } finally {
    await rig.close();
  }
}

/**
 * 10,000 sessions queued on the hot path and standing still (no `go`), so
 * the lock detail pages through a queue of 10,000 and the sessions view
 * through 10,000 sessions.
 */
async function standingQueueWithAdmin(): Promise<AdminResult[]> {
  const rig = await startRig(IDLE_SESSIONS >= TWO_DRIVERS_FROM ? 2 : 1);
  try {
    const sessions = (await formQueue(rig, IDLE_SESSIONS)).conn.ok;
    const results: AdminResult[] = [];
    for (const load of MANY_LOADS) {
      const { fields, cells } = common(await measureWindow(rig, load), load);
      results.push({
        json: { scenario: 'sessions+admin', ...fields, sessions },
        row: {
          ...cells,
          scenario: `${fmt(sessions)} sessions + admin`,
          handoffs: '— (queue standing)',
          vsUnloaded: '—',
        },
      });
    }
    return results;
  } finally {
    await rig.close();
  }
}

const SCENARIOS = [
  { title: 'B + admin load', run: contendedWithAdmin },
  { title: '10,000 sessions + admin load', run: standingQueueWithAdmin },
] as const;

async function main(): Promise<number> {
  const startedAt = performance.now();
  const machine = machineAtStart(IDLE_SESSIONS + 100);
  const rows: AdminRow[] = [];
  let failed = 0;
  for (const s of SCENARIOS) {
    const outcome = await attempt(s.title, s.run);
    if ('value' in outcome) {
      for (const result of outcome.value) {
        console.log(JSON.stringify(result.json));
        rows.push(result.row);
      }
    } else {
      failed++;
      console.log(JSON.stringify({ scenario: s.title, error: outcome.error }));
      const none = { latency: '—', handoffs: '—', brokerCpu: '—', runnerCpu: '—' };
      rows.push({
        scenario: s.title,
        load: '—',
        requests: 'FAILED',
        vsUnloaded: outcome.error,
        ...none,
      });
    }
  }
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, COLUMNS));
  const path = await writeReadmeBlock('admin-bench', [
    runLine(info, 'npm run bench:admin'),
    `${ADMIN_CONNECTIONS} autocannon connections, ${ADMIN_WINDOW_MS / 1000} s windows.`,
    '',
    markdownTable(rows, COLUMNS),
  ]);
  progress(`results written to ${path}`);
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

runMain('bench', main);
