// The job `baton run` starts while it holds the lock. It learns the lock's
// fencing token from BATON_TOKEN and hands it to whatever it writes to, so a
// store can refuse a late write from a run that has since lost the lock.
const token = Number(process.env.BATON_TOKEN);
const path = process.env.BATON_PATH;
if (!Number.isSafeInteger(token)) {
  console.error('report.js: no BATON_TOKEN; run me under `baton run`');
  process.exit(1);
}

const rows = [3, 1, 4, 1, 5, 9, 2, 6];
const total = rows.reduce((sum, n) => sum + n, 0);
// Where a real job would write: UPDATE reports SET ... WHERE fence_token < $token
console.log(`report.js: ${path} held with token ${token}; total ${total} over ${rows.length} rows`);
