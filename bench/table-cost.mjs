// What the lock table alone costs per acquire → release cycle in scenario A's
// shape (100 sessions, 10,000 paths, a fresh path string per frame as decoded
// frames bring), its journal entries included, with no I/O, no history and a
// warm cache. Set it beside the broker's profile to see how much of the
// table's time there is memory rather than work. Not a timed bench: run it
// after `npm run build` with `node bench/table-cost.mjs` and compare builds.
import { LockTable } from '../dist/server/core/lock-table.js';

const SESSIONS = 100;
const PATHS = 10_000;
const CYCLES = 300_000;
// Journaled, as the broker's table always is (its history and mirror read the entries).
const table = new LockTable({ journal: true });
table.addTokens(0, 1, Number.MAX_SAFE_INTEGER);
const sessions = [];
for (let i = 0; i < SESSIONS; i++) {
  const cmd = { sessionId: `session-${i}-xxxxxxxxxxxx`, secret: 's', owner: 'bench', ttlMs: 1e9 };
  sessions.push(table.open(0, cmd)[0].sessionId);
}
table.takeJournal();
const paths = Array.from({ length: PATHS }, (_, i) => `bench/a/${i}`);
/** A new string equal to `s`, as each decoded frame's path is. */
const fresh = (s) => `${s} `.slice(0, -1);
let requestId = 1;

function cycle(i) {
  const sessionId = sessions[i % SESSIONS];
  const path = paths[(i * 7919) % PATHS];
  const [grant] = table.acquire(1, sessionId, {
    requestId: requestId++,
    path: fresh(path),
    wait: true,
    quiet: true,
  });
  table.takeJournal();
  const release = { requestId: requestId++, path: fresh(path), token: grant.token, quiet: true };
  table.release(1, sessionId, release);
  table.takeJournal();
}

function perCycleUs() {
  const start = performance.now();
  for (let i = 0; i < CYCLES; i++) cycle(i);
  return ((performance.now() - start) * 1000) / CYCLES;
}

for (let i = 0; i < 200_000; i++) cycle(i);
const runs = [];
for (let r = 0; r < 5; r++) runs.push(perCycleUs());
runs.sort((a, b) => a - b);
console.log(`lock table: ${runs[2].toFixed(3)} µs per cycle (median of 5)`);
