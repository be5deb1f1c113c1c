// Heap per lock and per waiter in the lock table, for the memory budget's
// constants (server/core/table-bytes.ts). Not a timed bench: run it once after
// `npm run build` with `node --expose-gc bench/table-bytes.mjs` and compare.
import { getHeapStatistics } from 'node:v8';
import { LockTable } from '../dist/server/core/lock-table.js';

const N = 100_000;
const PATH_CHARS = Number(process.env.PATH_CHARS ?? 400);

function heapUsed() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

function measure(label, fill) {
  // Journaled as in a broker; the journal is taken after each command, as the broker does.
  const t = new LockTable({
    journal: true,
    maxTableBytes: 2 ** 50,
    maxLocksPerOwner: 1e9,
    maxSessions: 1e6,
    maxSessionsPerOwner: 1e6,
  });
  t.addTokens(0, 1, 1e12);
  for (let i = 0; i < 100; i++) t.open(0, { sessionId: `s${i}`, secret: 'x', owner: 'o' });
  const before = heapUsed();
  fill(t);
  const after = heapUsed();
  const perItem = (after - before) / N;
  console.log(
    `${label}: ${Math.round(perItem)} bytes each (${N} items, heap +${Math.round((after - before) / 1e6)} MB); table counts ${Math.round(t.views.tableBytes / N)} each`,
  );
  return t;
}

const pad = 'p'.repeat(PATH_CHARS);
const keep = [];
keep.push(
  measure(`holds on distinct ${PATH_CHARS}-char paths`, (t) => {
    for (let i = 0; i < N; i++) {
      t.acquire(0, `s${i % 100}`, { requestId: i, path: `${pad}/${i}`, wait: true, quiet: true });
      t.takeJournal();
    }
  }),
);
keep.push(
  measure('holds on distinct 8-char paths', (t) => {
    for (let i = 0; i < N; i++) {
      t.acquire(0, `s${i % 100}`, { requestId: i, path: `p${i}`.padStart(8, '0'), wait: true });
      t.takeJournal();
    }
  }),
);
keep.push(
  measure('waiters on 100 paths', (t) => {
    for (let i = 0; i < N; i++) {
      t.acquire(0, `s${i % 100}`, {
        requestId: i,
        path: `q${(i * 7) % 100}`,
        wait: true,
        quiet: true,
      });
      t.takeJournal();
    }
  }),
);
keep.push(
  measure('sessions (ids and secrets of nanoid length, a name of 20 chars)', (t) => {
    for (let i = 0; i < N; i++) {
      const id = `${i}`.padStart(21, 'S');
      t.open(0, {
        sessionId: id,
        secret: `${i}`.padStart(21, 'x'),
        owner: '127.0.0.1',
        name: `worker-${i}`.padEnd(20),
      });
      t.takeJournal();
    }
  }),
);
console.log(
  `node ${process.version}, heap limit ${Math.round(getHeapStatistics().heap_size_limit / 1e6)} MB`,
);
