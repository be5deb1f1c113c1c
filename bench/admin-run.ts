/**
 * `npm run bench:admin`: the admin API under load. autocannon, in this
 * process, asks the broker's admin server for `/metrics`, the locks view and
 * the lock detail while B's 150 sessions hand one lock round (and how much
 * that slows the handoffs), then beside 10,000 sessions standing in one queue.
 * One JSON line per window, then a table, also written into bench/README.md.
 */
import { ADMIN_CONNECTIONS, ADMIN_WINDOW_MS, IDLE_SESSIONS } from './bench-config.js';
import { killAllChildren } from './bench-child.js';
import { ADMIN_COLUMNS } from './admin-result.js';
import { contendedWithAdmin, standingQueueWithAdmin } from './admin-scenarios.js';
import { markdownTable, plainTable, runInfo, runLine, writeReadmeBlock } from './report.js';
import type { Result, Row } from './result.js';
import { round } from './stats.js';
import { machineAtStart, runMain } from './run-main.js';

export const ADMIN_START = '<!-- admin-bench:start -->';
export const ADMIN_END = '<!-- admin-bench:end -->';

const SCENARIOS: readonly { title: string; run: () => Promise<Result[]> }[] = [
  { title: 'B + admin load', run: contendedWithAdmin },
  { title: '10,000 sessions + admin load', run: standingQueueWithAdmin },
];

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function failedRow(title: string, message: string): Row {
  return {
    scenario: title,
    mode: '—',
    throughput: 'FAILED',
    latency: '—',
    sessions: '—',
    other: message,
    brokerCpu: '—',
    driver: '—',
  };
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const machine = machineAtStart(progress, IDLE_SESSIONS + 100);
  const rows: Row[] = [];
  let failed = 0;
  for (const s of SCENARIOS) {
    progress(`${s.title} ...`);
    const t0 = performance.now();
    try {
      for (const result of await s.run()) {
        console.log(JSON.stringify(result.json));
        rows.push(result.row);
      }
    } catch (err) {
      // One broken scenario should not hide the other's figures.
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      console.log(JSON.stringify({ scenario: s.title, error: message }));
      rows.push(failedRow(s.title, message));
      killAllChildren();
    }
    progress(`${s.title} done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  const info = runInfo(machine, startedAt);
  console.log('');
  console.log(plainTable(rows, ADMIN_COLUMNS));
  const path = await writeReadmeBlock(ADMIN_START, ADMIN_END, [
    runLine(info, 'npm run bench:admin'),
    `${ADMIN_CONNECTIONS} autocannon connections, ${ADMIN_WINDOW_MS / 1000} s windows.`,
    '',
    markdownTable(rows, ADMIN_COLUMNS),
  ]);
  progress(`results written to ${path}`);
  progress(`finished in ${info.durationSec} s`);
  return failed > 0 ? 1 : 0;
}

runMain(main, killAllChildren);
