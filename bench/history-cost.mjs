// What the admin history costs per acquire → release cycle on a broker whose
// paths churn (scenario A's shape: 100 sessions, 10,000 paths, fresh path
// strings as decoded frames bring). Not a timed bench: run it after
// `npm run build` with `node bench/history-cost.mjs` and compare builds.
import { History } from '../dist/server/admin/history.js';

const PATHS = 10_000;
const CYCLES = 500_000;
const history = new History();
const sessions = Array.from({ length: 100 }, (_, i) => `session-${i}-xxxxxxxxxxxx`);
const paths = Array.from({ length: PATHS }, (_, i) => `bench/a/${i}`);
/** A new string equal to `s`, as each decoded frame's path is. */
const fresh = (s) => `${s} `.slice(0, -1);
let token = 1;

function cycle(i) {
  const path = paths[(i * 7919) % PATHS];
  const t = token++;
  history.record([['grant', sessions[i % 100], i, fresh(path), t, false]], Date.now());
  history.record([['free', fresh(path), 'released']], Date.now());
}

function loopOnly(i) {
  fresh(paths[(i * 7919) % PATHS]);
  fresh(paths[(i * 7919) % PATHS]);
  Date.now();
  Date.now();
}

function perCycleUs(fn) {
  const start = performance.now();
  for (let i = 0; i < CYCLES; i++) fn(i);
  return ((performance.now() - start) * 1000) / CYCLES;
}

for (let i = 0; i < 200_000; i++) cycle(i);
const runs = [];
for (let r = 0; r < 5; r++) runs.push(perCycleUs(cycle) - perCycleUs(loopOnly));
runs.sort((a, b) => a - b);
console.log(`history: ${runs[2].toFixed(3)} µs per cycle (median of 5, loop cost taken off)`);
