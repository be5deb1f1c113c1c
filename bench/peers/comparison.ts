/**
 * The side-by-side table of `npm run bench:peers`: per scenario, each
 * system's headline figure, and how each Baton mode compares with the best
 * peer in the same run.
 */
import { MODE_NAMES } from '../lib/modes.js';
import type { Columns } from '../lib/report.js';
import { fmt, type Result, type Row } from '../lib/result.js';
import { PEER_NAMES, type PeerName } from './config.js';

type Json = Result['json'];

/** A scenario's headline figure. */
export interface Figure {
  /** The first cell of its rows, e.g. "A 100 sessions: cycles/s". */
  label: string;
  /** Throughput: higher is better; latency, memory and time: lower. */
  higherIsBetter: boolean;
  /** The figure in the scenario's JSON line; NaN when it has none. */
  value(json: Json): number;
  /** Its cell: the value with `digits` decimals unless given. */
  cell?(json: Json): string;
  digits: number;
  /** The peers whose figure means what Baton's does, to pick the best from; all unless given. */
  peers?: readonly PeerName[];
}

/** A JSON field of a result as a number (NaN when absent or null). */
export function field(json: Json, name: string): number {
  const v = json[name];
  return typeof v === 'number' ? v : NaN;
}

/** What one scenario gave each system that ran it: its JSON line, or null when it failed. */
export interface ScenarioOutcome {
  figures: readonly Figure[];
  results: ReadonlyMap<string, Json | null>;
}

/**
 * Row's eight cells carry this table's eight columns, as the versions table
 * does; a Record, so that a new peer cannot be left without a column.
 */
const PEER_CELLS: Record<PeerName, keyof Row> = {
  redlock: 'throughput',
  'redis-setnx': 'latency',
  etcd: 'other',
  zookeeper: 'brokerCpu',
};

export const COMPARISON_COLUMNS: Columns = [
  ['scenario', 'Scenario, figure'],
  ['mode', 'Baton mode'],
  ['sessions', 'Baton'],
  ...PEER_NAMES.map((p): [keyof Row, string] => [PEER_CELLS[p], p]),
  ['driver', 'Baton vs best peer'],
];

function cell(f: Figure, json: Json | null | undefined): string {
  if (json === undefined) return '—';
  if (json === null) return 'FAILED';
  return f.cell?.(json) ?? fmt(f.value(json), f.digits);
}

/** A ratio as a short figure: 24×, 3.9×, 0.79×. */
function times(r: number): string {
  return `${fmt(r, r >= 10 ? 0 : r >= 1 ? 1 : 2)}×`;
}

/**
 * One row per figure and Baton mode that ran. The ratio is how many times
 * better Baton did than the best peer that gave the figure: Baton ÷ peer for
 * throughput, peer ÷ Baton for latency, memory and time (so > 1 is Baton ahead).
 */
export function comparisonRows(outcomes: readonly ScenarioOutcome[]): Row[] {
  const rows: Row[] = [];
  for (const { figures, results } of outcomes) {
    for (const f of figures) {
      const value = (name: string): number => {
        const json = results.get(name);
        return json ? f.value(json) : NaN;
      };
      let best: { peer: PeerName; value: number } | null = null;
      for (const peer of f.peers ?? PEER_NAMES) {
        const v = value(peer);
        const better = !best || (f.higherIsBetter ? v > best.value : v < best.value);
        if (Number.isFinite(v) && better) best = { peer, value: v };
      }
      for (const mode of MODE_NAMES) {
        if (!results.has(mode)) continue;
        const baton = value(mode);
        const ratio = !best ? NaN : f.higherIsBetter ? baton / best.value : best.value / baton;
        const row: Row = {
          scenario: f.label,
          mode,
          sessions: cell(f, results.get(mode)),
          throughput: '',
          latency: '',
          other: '',
          brokerCpu: '',
          driver: best && Number.isFinite(ratio) ? `${times(ratio)} (${best.peer})` : '—',
        };
        for (const peer of PEER_NAMES) row[PEER_CELLS[peer]] = cell(f, results.get(peer));
        rows.push(row);
      }
    }
  }
  return rows;
}
