import { readFile, writeFile } from 'node:fs/promises';
import { format, resolveConfig } from 'prettier';
import type { Row } from './result.js';
import type { MachineAtStart } from './machine.js';
import { repoPath } from './paths.js';
import { round } from './stats.js';

/** A table column: the Row field it shows, and its title. */
export type Columns = readonly [keyof Row, string][];

export const COLUMNS: Columns = [
  ['scenario', 'Scenario'],
  ['mode', 'Mode'],
  ['sessions', 'Sessions'],
  ['throughput', 'Throughput'],
  ['latency', 'Latency p50 / p99 / max'],
  ['other', 'Fairness and more'],
  ['brokerCpu', 'Broker CPU (other load)'],
  ['driver', 'Drivers'],
];

/** A plain, space-aligned table for the terminal. */
export function plainTable(rows: readonly Row[], columns: Columns = COLUMNS): string {
  const widths = columns.map(([key, title]) =>
    Math.max(title.length, ...rows.map((r) => r[key].length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map(([, title]) => title)),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map(([key]) => r[key]))),
  ].join('\n');
}

export function markdownTable(rows: readonly Row[], columns: Columns = COLUMNS): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([, title]) => title)),
    line(columns.map(() => '---')),
    ...rows.map((r) => line(columns.map(([key]) => r[key].replaceAll('|', '\\|')))),
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

/** Replaces what is between `startMarker` and `endMarker` in bench/README.md with `lines`. */
export async function writeReadmeBlock(
  startMarker: string,
  endMarker: string,
  lines: readonly string[],
): Promise<string> {
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
