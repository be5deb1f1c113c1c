// What the admin history costs per acquire → release cycle on a broker whose
// paths churn (scenario A's shape: 100 sessions, 10,000 paths, fresh path
// strings as decoded frames bring). Not a timed bench: run it after
// `npm run build` with `node bench/history-cost.mjs` and compare builds.
import { History } from '../dist/server/admin/history.js';
import { freshPath, medianUsPerCycle, sessionName, SESSIONS } from './per-cycle.mjs';

const history = new History();
const sessions = Array.from({ length: SESSIONS }, (_, i) => sessionName(i));
let token = 1;

function cycle(i) {
  const t = token++;
  history.record([['grant', sessions[i % SESSIONS], i, freshPath(i), t, false]], Date.now());
  history.record([['free', freshPath(i), 'released']], Date.now());
}

function loopOnly(i) {
  freshPath(i);
  freshPath(i);
  Date.now();
  Date.now();
}

const us = medianUsPerCycle(cycle, 500_000, loopOnly);
console.log(`history: ${us.toFixed(3)} µs per cycle (median of 5, loop cost taken off)`);
