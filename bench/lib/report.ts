/**
 * Results and how they are shown: a JSON line and a table row per result,
 * the cells every command shares, plain and markdown tables, and the blocks
 * of bench/README.md the full runs rewrite.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import { repoPath } from './config.js';
import type { MachineAtStart } from './machine.js';
import type { Window } from './rig.js';
import { round } from './stats.js';

/** One line of the results table; every cell already formatted. */
export interface Row {
  scenario: string;
  /** The broker mode, or (bench:peers) the system. */
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

/** A table column: the row field it shows, and its title. */
export type Columns<R> = readonly (readonly [keyof R & string, string])[];

export const COLUMNS: Columns<Row> = [
  ['scenario', 'Scenario'],
  ['mode', 'Mode'],
  ['sessions', 'Sessions'],
  ['throughput', 'Throughput'],
  ['latency', 'Latency p50 / p99 / max'],
  ['other', 'Fairness and more'],
  ['brokerCpu', 'Broker CPU (other load)'],
  ['driver', 'Drivers'],
];

/** A number with thousands separators and `digits` decimals; `n/a` for NaN. */
export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** p50 / p99 / max, in ms. */
export function latencyCell(label: string, p50: number, p99: number, max?: number): string {
  const tail = max === undefined ? '' : ` / ${fmt(max, 1)}`;
  const d = p99 >= 100 ? 0 : 2;
  return `${label} ${fmt(p50, d)} / ${fmt(p99, d)}${tail} ms`;
}

/** A row whose unnamed cells are '—': also one with no figures, FAILED or SKIPPED and why. */
export function row(cells: Partial<Row> & Pick<Row, 'scenario' | 'mode'>): Row {
  const none = { sessions: '—', throughput: '—', latency: '—', other: '—' };
  return { ...none, brokerCpu: '—', driver: '—', ...cells };
}

export function messageRow(scenario: string, mode: string, what: string, why: string): Row {
  return row({ scenario, mode, throughput: what, other: why });
}

/** Driver-side health in a window: if these are bad, the figures measure the driver. */
export function driverFigures(w: Pick<Window, 'reports'>) {
  const rs = w.reports;
  return {
    drivers: rs.length,
    /** The busiest driver's CPU; 100 = one core. */
    driverCpuPct: round(Math.max(...rs.map((r) => (r.cpuMs / r.windowMs) * 100)), 0),
    driverLagP99Ms: Math.max(...rs.map((r) => r.lag.p99Ms)),
    driverLagMaxMs: Math.max(...rs.map((r) => r.lag.maxMs)),
    errors: rs.reduce((s, r) => s + r.errors, 0),
    firstError: rs.find((r) => r.firstError !== null)?.firstError ?? null,
  };
}

export function driverCell(d: ReturnType<typeof driverFigures>): string {
  const errors = d.errors > 0 ? `, ${d.errors} errors` : '';
  return `${d.drivers}× ${d.driverCpuPct}% CPU, lag p99 ${fmt(d.driverLagP99Ms, 1)} ms${errors}`;
}

/** Mean of the drivers' own windows: rates are counted against the time they counted in. */
export function meanWindowSec(w: Pick<Window, 'reports'>): number {
  return w.reports.reduce((s, r) => s + r.windowMs, 0) / w.reports.length / 1000;
}

/**
 * Broker CPU, then its Redis's (the mirror's cost is the broker's too), with
 * what the rest of the machine used beside them in brackets.
 */
export function cpuCell(w: Pick<Window, 'brokerCpuPct' | 'redisCpuPct' | 'otherCpuPct'>): string {
  const redis = Number.isNaN(w.redisCpuPct) ? '' : ` + Redis ${fmt(w.redisCpuPct)}%`;
  return `${fmt(w.brokerCpuPct)}%${redis} (others ${fmt(w.otherCpuPct)}%)`;
}

export function cpuFigures(w: Window): Record<string, number> {
  return {
    brokerCpuPct: round(w.brokerCpuPct),
    brokerCpuMs: round(w.brokerCpuMs),
    ...(!Number.isNaN(w.redisCpuPct) && { redisCpuPct: round(w.redisCpuPct) }),
    otherCpuPct: round(w.otherCpuPct),
  };
}

/**
 * A row measured over a window: the scenario's own JSON fields and cells,
 * with what every such row shares added to both: the CPU of the server, its
 * Redis and the machine, the mirror lag at the window's end (Redis modes)
 * and the drivers' health.
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
  const { other, join, ...named } = cells;
  const driversCpuMs = round(w.reports.reduce((sum, r) => sum + r.cpuMs, 0));
  const json = { ...head, ...fields, ...cpuFigures(w), ...lagFields, windowMs: round(w.windowMs) };
  const perOp = cpuPerOp({ ...json, driversCpuMs });
  return {
    json: { ...json, driversCpuMs, ...(perOp && { cpuPerOpUs: perOp }), ...d },
    row: {
      ...named,
      mode: head.mode,
      sessions: fmt(head.sessions),
      other: [...other, ...lagNote].join(join ?? '; '),
      brokerCpu: cpuCell(w),
      driver: driverCell(d),
    },
  };
}

/** The figure that ranks the runs of one row: the first of these its JSON has. */
const HEADLINES: readonly {
  field: string;
  higherIsBetter: boolean;
  /** How the row lists each run's figure; default: whole numbers, or two decimals when lower is better. */
  show?: (v: number) => string;
}[] = [
  // Before cycles/s and handoffs/s: AP, BP and CP have both, and are read by their share.
  { field: 'pairedShareOfFloor', higherIsBetter: true, show: (v) => `${fmt(v * 100)}%` },
  { field: 'pairedShareOfEmbedded', higherIsBetter: true, show: (v) => `${fmt(v * 100)}%` },
  { field: 'cyclesPerSec', higherIsBetter: true },
  { field: 'readsPerSec', higherIsBetter: true },
  { field: 'handoffsPerSec', higherIsBetter: true },
  { field: 'termsPerSec', higherIsBetter: true },
  { field: 'callsPerSec', higherIsBetter: true },
  // Before D's p50: scenario DP has both, and is read by its ratio.
  { field: 'pairedVsFloor', higherIsBetter: false },
  { field: 'releaseToGrantP50Ms', higherIsBetter: false },
  { field: 'rssPerSessionKiB', higherIsBetter: false },
  { field: 'roundTripP50Ms', higherIsBetter: false },
];

/** A result's headline figure (cycles/s, handoffs/s…) and whether higher is better; null without one. */
export function headlineOf(
  json: Result['json'],
): { value: number; higherIsBetter: boolean } | null {
  const h = HEADLINES.find((x) => typeof json[x.field] === 'number');
  return h ? { value: json[h.field] as number, higherIsBetter: h.higherIsBetter } : null;
}

/** `result` read against another row: `cell` first in its last column, `fields` added to its JSON. */
export function withReading(result: Result, cell: string, fields: Record<string, unknown>): Result {
  return {
    json: { ...result.json, ...fields },
    row: { ...result.row, other: `${cell}; ${result.row.other}` },
  };
}

/**
 * CPU µs per operation of a throughput row (a cycle, handoff, grant…): the
 * server's, and all its drivers' together (what the clients pay); null for
 * a latency or memory row.
 */
export function cpuPerOp(json: Result['json']): { serverUs: number; driversUs: number } | null {
  const h = headlineOf(json);
  const { brokerCpuMs, driversCpuMs, windowMs } = json;
  if (!h?.higherIsBetter || typeof brokerCpuMs !== 'number' || typeof windowMs !== 'number') {
    return null;
  }
  const ops = (h.value * windowMs) / 1000;
  const us = (ms: unknown): number => (typeof ms === 'number' ? round((ms * 1000) / ops, 1) : NaN);
  return { serverUs: us(brokerCpuMs), driversUs: us(driversCpuMs) };
}

/**
 * A row read against the floor's row of the same run (bench/floor/): the
 * headline as a share of the floor's (throughput: 80% means 0.8 of the
 * floor's rate; latency and memory: 1.3× the floor's), and CPU per operation
 * on both sides, so what the SDK costs shows beside what the broker does.
 * With `paired` (each run of the row beside the floor's run just before it)
 * the share is the median of those pairs, the weaker of two: a slow spell
 * of the machine then falls on both sides of a pair instead of on one row.
 * `of` says which floor (JSON `vsFloorOf`): the floor alone, or with a Redis log.
 */
export function againstFloor(
  result: Result,
  floor: Result,
  paired: Result[][] = [],
  of = { mode: 'floor', label: 'the floor' },
): Result {
  const mine = headlineOf(result.json);
  const theirs = headlineOf(floor.json);
  if (!mine || !theirs || theirs.value === 0) return result;
  const pairs = pairedRatios(paired);
  const ratio =
    pairs.length > 1 ? weakerMedian(pairs, mine.higherIsBetter) : mine.value / theirs.value;
  const show = (r: number): string => (mine.higherIsBetter ? `${fmt(r * 100)}%` : `${fmt(r, 2)}×`);
  const runs = pairs.length > 1 ? ` (run by run: ${pairs.map(show).join(', ')})` : '';
  const share = `${show(ratio)}${mine.higherIsBetter ? ' of' : ''} ${of.label}${runs}`;
  const a = cpuPerOp(result.json);
  const b = cpuPerOp(floor.json);
  const cpu =
    a && b
      ? [
          `CPU/op broker ${fmt(a.serverUs, 1)} vs ${fmt(b.serverUs, 1)} µs, ` +
            `drivers ${fmt(a.driversUs, 1)} vs ${fmt(b.driversUs, 1)} µs`,
        ]
      : [];
  const fields = {
    vsFloor: round(ratio, 3),
    vsFloorOf: of.mode,
    ...(pairs.length > 1 && { vsFloorRuns: pairs.map((r) => round(r, 3)) }),
  };
  return withReading(result, [share, ...cpu].join('; '), fields);
}

/** Headline of each [row run, floor run] pair, mine over the floor's; pairs without one are left out. */
function pairedRatios(paired: Result[][]): number[] {
  return paired.flatMap(([mine, floor]) => {
    const a = mine && headlineOf(mine.json);
    const b = floor && headlineOf(floor.json);
    return a && b && b.value !== 0 ? [a.value / b.value] : [];
  });
}

/** The median, or of an even count the weaker middle one. */
export function weakerMedian(values: number[], higherIsBetter: boolean): number {
  const sign = higherIsBetter ? 1 : -1;
  const ranked = [...values].sort((a, b) => sign * (a - b));
  return ranked[Math.floor((ranked.length - 1) / 2)] as number;
}

/**
 * Runs a row `times` times and keeps the median run by its headline figure
 * (of two, the weaker), so one lucky window on a noisy machine does not make
 * the table; the row lists every run's figure, the JSON keeps them in `runs`.
 */
export async function repeated(run: () => Promise<Result>, times: number): Promise<Result> {
  const results: Result[] = [];
  for (let i = 0; i < times; i++) results.push(await run());
  return medianRun(results);
}

/** Of several runs of one row, the median by headline (of two, the weaker), listing them all. */
export function medianRun(results: readonly Result[]): Result {
  const first = results[0] as Result;
  const headline = HEADLINES.find((h) => typeof first.json[h.field] === 'number');
  if (!headline || results.length === 1) return first;
  const value = (r: Result): number => r.json[headline.field] as number;
  const runs = results.map(value);
  const median = weakerMedian(runs, headline.higherIsBetter);
  const kept = results.find((r) => value(r) === median) as Result;
  const show = headline.show ?? ((v: number) => fmt(v, headline.higherIsBetter ? 0 : 2));
  const other = `${kept.row.other}; runs: ${runs.map(show).join(', ')}`;
  return { json: { ...kept.json, runs }, row: { ...kept.row, other } };
}

/** A plain, space-aligned table for the terminal. */
export function plainTable<R>(rows: readonly R[], columns: Columns<R>): string {
  const text = (r: R, key: keyof R): string => String(r[key]);
  const widths = columns.map(([key, title]) =>
    Math.max(title.length, ...rows.map((r) => text(r, key).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map(([key]) => text(r, key)))),
  ].join('\n');
}

export function markdownTable<R>(rows: readonly R[], columns: Columns<R>): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([, title]) => title)),
    line(columns.map(() => '---')),
    ...rows.map((r) => line(columns.map(([key]) => String(r[key]).replaceAll('|', '\\|')))),
  ].join('\n');
}

export interface RunInfo extends MachineAtStart {
  date: string;
  node: string;
  durationSec: number;
}

/** What a finished run records of itself, begun at `startedAt` (performance.now()). */
export function runInfo(machine: MachineAtStart, startedAt: number): RunInfo {
  return {
    ...machine,
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    durationSec: round((performance.now() - startedAt) / 1000),
  };
}

/** The line above a results table: when, where, on what machine, and how long `command` took. */
export function runLine(info: RunInfo, command: string): string {
  return (
    `Run on ${info.date}, Node ${info.node}, \`nproc\` ${info.nproc}, ` +
    `\`ulimit -n\` ${info.openFilesLimit}, load average at start ${info.loadAtStart}; ` +
    `\`${command}\` took ${info.durationSec} s.`
  );
}

/** Replaces what is between the `<!-- name:start -->` and `:end` markers of bench/README.md. */
export async function writeReadmeBlock(name: string, lines: readonly string[]): Promise<string> {
  const [startMarker, endMarker] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const path = repoPath('bench/README.md');
  const text = await readFile(path, 'utf8');
  const start = text.indexOf(startMarker);
  const end = text.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`${path} lacks the markers ${startMarker}`);
  const block = [startMarker, '', ...lines, '', endMarker].join('\n');
  const updated = text.slice(0, start) + block + text.slice(end + endMarker.length);
  // Formatted as `npm run format` would, so a fresh run keeps `format:check` green.
  const options = (await resolveConfig(path)) ?? {};
  await writeFile(path, await format(updated, { ...options, filepath: path }));
  return path;
}
