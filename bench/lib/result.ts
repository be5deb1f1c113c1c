import type { Window } from './rig.js';
import { round } from './stats.js';

/** One line of the results table; every cell already formatted. */
export interface Row {
  scenario: string;
  /** embedded, redis-efficient or redis-strict. */
  mode: string;
  sessions: string;
  throughput: string;
  latency: string;
  other: string;
  brokerCpu: string;
  driver: string;
}

/** What a scenario hands back: one JSON object for stdout and one table row. */
export interface Result {
  json: { scenario: string } & Record<string, unknown>;
  row: Row;
}

/** Driver-side health in a window: if these are bad, the figures measure the driver. */
export interface DriverFigures {
  drivers: number;
  /** The busiest driver's CPU over the window; 100 = one core. */
  driverCpuPct: number;
  driverLagP99Ms: number;
  driverLagMaxMs: number;
  errors: number;
  firstError: string | null;
}

export function driverFigures(w: Pick<Window, 'reports'>): DriverFigures {
  const rs = w.reports;
  return {
    drivers: rs.length,
    driverCpuPct: round(Math.max(...rs.map((r) => (r.cpuMs / r.windowMs) * 100)), 0),
    driverLagP99Ms: Math.max(...rs.map((r) => r.lag.p99Ms)),
    driverLagMaxMs: Math.max(...rs.map((r) => r.lag.maxMs)),
    errors: rs.reduce((s, r) => s + r.errors, 0),
    firstError: rs.find((r) => r.firstError !== null)?.firstError ?? null,
  };
}

/** Mean of the drivers' own windows: rates are counted against the time they counted in. */
export function meanWindowSec(w: Pick<Window, 'reports'>): number {
  const total = w.reports.reduce((s, r) => s + r.windowMs, 0);
  return total / w.reports.length / 1000;
}

export function driverCell(d: DriverFigures): string {
  const errors = d.errors > 0 ? `, ${d.errors} errors` : '';
  return `${d.drivers}× ${d.driverCpuPct}% CPU, lag p99 ${fmt(d.driverLagP99Ms, 1)} ms${errors}`;
}

/** A number with thousands separators and `digits` decimals; `n/a` for NaN. */
export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * Broker CPU, then its Redis's (Redis modes: the mirror's cost is the broker's
 * too), with what the rest of the machine used beside them in brackets.
 */
export function cpuCell(w: Pick<Window, 'brokerCpuPct' | 'redisCpuPct' | 'otherCpuPct'>): string {
  const redis = Number.isNaN(w.redisCpuPct) ? '' : ` + Redis ${fmt(w.redisCpuPct)}%`;
  return `${fmt(w.brokerCpuPct)}%${redis} (others ${fmt(w.otherCpuPct)}%)`;
}

/** The CPU figures of a window for a scenario's JSON line. */
export function cpuFigures(w: Window): Record<string, number> {
  return {
    brokerCpuPct: round(w.brokerCpuPct),
    brokerCpuMs: round(w.brokerCpuMs),
    ...(!Number.isNaN(w.redisCpuPct) && { redisCpuPct: round(w.redisCpuPct) }),
    otherCpuPct: round(w.otherCpuPct),
  };
}

/** A row that has no figures: `what` (FAILED, SKIPPED) and why. */
export function messageRow(scenario: string, mode: string, what: string, why: string): Row {
  const none = { sessions: '—', latency: '—', brokerCpu: '—', driver: '—' };
  return { scenario, mode, throughput: what, other: why, ...none };
}

/**
 * A row measured over a window: the scenario's own JSON fields and cells,
 * with what every such row shares added to both: mode, sessions, the CPU of
 * the server, its Redis and the machine, the mirror lag at the window's end
 * (Redis modes) and the drivers' health.
 */
export function windowResult(
  w: Window,
  head: { scenario: string; mode: string; sessions: number },
  fields: Record<string, unknown>,
  cells: Pick<Row, 'scenario' | 'throughput' | 'latency'> & { other: string[]; join?: string },
): Result {
  const d = driverFigures(w);
  const lag = w.mirrorLag;
  const lagFields = lag && { mirrorLagP50Ms: round(lag.p50, 1), mirrorLagP99Ms: round(lag.p99, 1) };
  const lagNote = lag ? [`mirror lag p50 / p99 ${fmt(lag.p50, 1)} / ${fmt(lag.p99, 1)} ms`] : [];
  return {
    json: { ...head, ...fields, ...cpuFigures(w), ...lagFields, windowMs: round(w.windowMs), ...d },
    row: {
      scenario: cells.scenario,
      mode: head.mode,
      sessions: fmt(head.sessions),
      throughput: cells.throughput,
      latency: cells.latency,
      other: [...cells.other, ...lagNote].join(cells.join ?? '; '),
      brokerCpu: cpuCell(w),
      driver: driverCell(d),
    },
  };
}

/** p50 / p99 / max, in ms. */
export function latencyCell(label: string, p50: number, p99: number, max?: number): string {
  const tail = max === undefined ? '' : ` / ${fmt(max, 1)}`;
  const d = p99 >= 100 ? 0 : 2;
  return `${label} ${fmt(p50, d)} / ${fmt(p99, d)}${tail} ms`;
}

/** The figure that ranks the runs of one row: the first of these its JSON has. */
const HEADLINES: readonly { field: string; higherIsBetter: boolean }[] = [
  { field: 'cyclesPerSec', higherIsBetter: true },
  { field: 'handoffsPerSec', higherIsBetter: true },
  { field: 'releaseToGrantP50Ms', higherIsBetter: false },
  { field: 'rssPerSessionKiB', higherIsBetter: false },
  { field: 'roundTripP50Ms', higherIsBetter: false },
];

/**
 * Runs a row `times` times and keeps the median run by its headline figure
 * (of two, the weaker), so one lucky window on a noisy machine does not make
 * the table; the row lists every run's figure, the JSON keeps them in `runs`.
 */
export async function repeated(run: () => Promise<Result>, times: number): Promise<Result> {
  const results: Result[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  const first = results[0] as Result;
  const headline = HEADLINES.find((h) => typeof first.json[h.field] === 'number');
  if (!headline || results.length === 1) return first;
  const value = (r: Result): number => r.json[headline.field] as number;
  // Worst first, so index (n - 1) / 2 rounded down is the median, or the weaker of two.
  const sign = headline.higherIsBetter ? 1 : -1;
  const ranked = [...results].sort((a, b) => sign * (value(a) - value(b)));
  const kept = ranked[Math.floor((ranked.length - 1) / 2)] as Result;
  const runs = results.map(value);
  const digits = headline.higherIsBetter ? 0 : 2;
  const other = `${kept.row.other}; runs: ${runs.map((v) => fmt(v, digits)).join(', ')}`;
  return { json: { ...kept.json, runs }, row: { ...kept.row, other } };
}
