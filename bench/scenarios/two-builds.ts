/**
 * `npm run bench:builds -- <checkout> [A|B|C] [rounds]`: this build's embedded
 * broker and SDK against another checkout's, in the same seconds. Each round
 * sets up A's (or B's, or C-1,000's) load on both at once, each build with its own broker
 * and driver processes, and measures them in alternating turns (`inTurns`,
 * as AP, BP and CP do). The other checkout must have run `npm run build && npm
 * run bench:build`, at 8d65d3a or later (its drivers need `pause`). One JSON
 * line per round, then the median of the rounds' ratios, this ÷ other: what
 * the changelog's "against the code before" figures come from.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brokerMode, brokerTarget } from '../lib/broker.js';
import { weakerMedian } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { inTurns, PAIRED_SCENARIOS, type Tally } from './paired-load.js';

const [checkout, named = 'A', rounds = '3'] = process.argv.slice(2);
const scenario = PAIRED_SCENARIOS.find((s) => s === named);
if (!checkout || !scenario || !(Number(rounds) >= 1)) {
  console.error('usage: npm run bench:builds -- <checkout> [A|B|C] [rounds]');
  process.exit(2);
}
const otherModule = pathToFileURL(resolve(checkout, '.bench-out/bench/lib/broker.js')).href;
const other = (await import(otherModule)) as typeof import('../lib/broker.js');

const rate = (t: Tally): number => t.ops / t.sec;
const perOpUs = (cpuMs: number, t: Tally): number => round((cpuMs * 1000) / t.ops, 1);
const ratios: number[] = [];
for (let r = 0; r < Number(rounds); r++) {
  const [mine, theirs] = await inTurns(scenario, [
    brokerTarget('embedded', () => brokerMode('embedded', null, `this-${r}`)),
    other.brokerTarget('embedded', () => other.brokerMode('embedded', null, `other-${r}`)),
  ]);
  const ratio = round(rate(mine) / rate(theirs), 3);
  ratios.push(ratio);
  const line = {
    round: r + 1,
    scenario,
    thisPerSec: round(rate(mine)),
    otherPerSec: round(rate(theirs)),
    ratio,
    cpuPerOpUs: {
      thisBroker: perOpUs(mine.brokerCpuMs, mine),
      otherBroker: perOpUs(theirs.brokerCpuMs, theirs),
      thisDrivers: perOpUs(mine.driversCpuMs, mine),
      otherDrivers: perOpUs(theirs.driversCpuMs, theirs),
    },
  };
  console.log(JSON.stringify(line));
}
console.log(
  `${scenario}, this ÷ ${checkout}: median ${weakerMedian(ratios, true)} (${ratios.join(', ')})`,
);
