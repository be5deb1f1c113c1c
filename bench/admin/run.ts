/**
 * `npm run bench:admin`: the admin API under load. autocannon, in this
 * process, asks the broker's admin server for `/metrics`, the locks view and
 * the lock detail while B's 150 sessions hand one lock round (and how much
 * that slows the handoffs), then beside 10,000 sessions standing in one queue.
 * One JSON line per window, then a table, also written into bench/README.md.
 */
import { IDLE_SESSIONS } from '../lib/config.js';
import { machineAtStart } from '../lib/machine.js';
import { markdownTable, plainTable, runInfo, runLine, writeReadmeBlock } from '../lib/report.js';
import { messageRow, type Row } from '../lib/result.js';
import { attempt, progress, runMain } from '../lib/runner.js';
import { ADMIN_CONNECTIONS, ADMIN_WINDOW_MS } from './load.js';
import { ADMIN_COLUMNS } from './result.js';
import { contendedWithAdmin, standingQueueWithAdmin } from './scenarios.js';

const SCENARIOS = [
  { title: 'B + admin load', run: contendedWithAdmin },
  { title: '10,000 sessions + admin load', run: standingQueueWithAdmin },
] as const;

async function main(): Promise<number> {
  const startedAt = performance.now();
  const machine = machineAtStart(IDLE_SESSIONS + 100);
  const rows: Row[] = [];
  let failed = 0;
  for (const s of SCENARIOS) {
    const outcome = await attempt(s.title, s.run);
    if ('value' in outcome) {
      for (const result of outcome.value) {
        console.log(JSON.stringify(result.json));
        rows.push(result.row);
      }
    } else {
      failed++;
      console.log(JSON.stringify({ scenario: s.title, error: outcome.error }));
      rows.push(messageRow(s.title, '—', 'FAILED', outcome.error));
    }
  }
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, ADMIN_COLUMNS));
  const path = await writeReadmeBlock('<!-- admin-bench:start -->', '<!-- admin-bench:end -->', [
    runLine(info, 'npm run bench:admin'),
    `${ADMIN_CONNECTIONS} autocannon connections, ${ADMIN_WINDOW_MS / 1000} s windows.`,
    '',
    markdownTable(rows, ADMIN_COLUMNS),
  ]);
  progress(`results written to ${path}`);
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

runMain('bench', main);
