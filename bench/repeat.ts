import { fmt, type Result } from './result.js';

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
  return {
    json: { ...kept.json, runs },
    row: {
      ...kept.row,
      other: `${kept.row.other}; runs: ${runs.map((v) => fmt(v, digits)).join(', ')}`,
    },
  };
}
