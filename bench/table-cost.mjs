// What the lock table alone costs per acquire → release cycle in scenario A's
// shape (100 sessions, 10,000 paths, a fresh path string per frame as decoded
// frames bring), its journal entries included, with no I/O, no history and a
// warm cache. Set it beside the broker's profile to see how much of the
// table's time there is memory rather than work. Not a timed bench: run it
// after `npm run build` with `node bench/table-cost.mjs` and compare builds.
import { LockTable } from '../dist/server/core/lock-table.js';
import { freshPath, medianUsPerCycle, sessionName, SESSIONS } from './per-cycle.mjs';

// Journaled, as the broker's table always is (its history and mirror read the entries).
const table = new LockTable({ journal: true });
table.addTokens(0, 1, Number.MAX_SAFE_INTEGER);
const sessions = [];
for (let i = 0; i < SESSIONS; i++) {
  const cmd = { sessionId: sessionName(i), secret: 's', owner: 'bench', ttlMs: 1e9 };
  sessions.push(table.open(0, cmd)[0].sessionId);
}
table.takeJournal();
let requestId = 1;

function cycle(i) {
  const sessionId = sessions[i % SESSIONS];
  const acquire = { requestId: requestId++, path: freshPath(i), wait: true, quiet: true };
  const [grant] = table.acquire(1, sessionId, acquire);
  table.takeJournal();
  const release = { requestId: requestId++, path: freshPath(i), token: grant.token, quiet: true };
  table.release(1, sessionId, release);
  table.takeJournal();
}

const us = medianUsPerCycle(cycle, 300_000);
console.log(`lock table: ${us.toFixed(3)} µs per cycle (median of 5)`);
