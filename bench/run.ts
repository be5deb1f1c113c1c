/**
 * `npm run bench`: the baseline benchmark. Every scenario gets a fresh broker
 * process and its own driver processes, all on loopback; results go to stdout
 * as one JSON line per scenario, then a table, and into bench/README.md.
 *
 * `BATON_BENCH_ONLY=A,D` runs a subset (and leaves the README alone);
 * `BATON_BENCH_CPU_PROF=dir` profiles every broker and driver into `dir`.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { CONTEND_LARGE_SESSIONS, CONTEND_SESSIONS, IDLE_SESSIONS } from './bench-config.js';
import { killAllChildren } from './bench-child.js';
import { contention } from './contention.js';
import { plainTable, writeReadme } from './report.js';
import type { Result, Row } from './result.js';
import { cycles, handoffLatency, idleMemory } from './scenarios.js';
import { round } from './stats.js';

interface Scenario {
  id: string;
  title: string;
  run: () => Promise<Result>;
}

const SCENARIOS: Scenario[] = [
  { id: 'A', title: 'A: uncontended cycles', run: cycles },
  {
    id: 'B',
    title: `B: ${CONTEND_SESSIONS} on one path`,
    run: () => contention('B', CONTEND_SESSIONS),
  },
  ...CONTEND_LARGE_SESSIONS.map((n) => ({
    id: 'C',
    title: `C: ${n} on one path`,
    run: () => contention('C', n),
  })),
  { id: 'D', title: 'D: handoff latency', run: handoffLatency },
  { id: 'E', title: `E: ${IDLE_SESSIONS} idle sessions`, run: idleMemory },
];

/** Output of a shell command, or `fallback`. */
function shell(command: string, fallback: string): string {
  try {
    return execFileSync('sh', ['-c', command], { encoding: 'utf8' }).trim();
  } catch {
    return fallback;
  }
}

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<number> {
  const startedAt = performance.now();
  const only = process.env['BATON_BENCH_ONLY']?.split(',').map((s) => s.trim().toUpperCase());
  // The open-files limit: each session is a socket in the broker and one in a driver.
  const limit = shell('ulimit -n', 'unknown');
  const loadAtStart = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  progress(`load average at start: ${loadAtStart}`);
  const needed = Math.max(IDLE_SESSIONS, ...CONTEND_LARGE_SESSIONS) + 100;
  if (limit !== 'unlimited' && Number(limit) < needed) {
    // A process cannot raise its own hard limit; say so rather than fail obscurely.
    progress(`ulimit -n is ${limit}, below the ~${needed} sockets the large scenarios need`);
  }
  const rows: Row[] = [];
  let failed = 0;
  for (const s of SCENARIOS) {
    if (only && !only.includes(s.id)) continue;
    progress(`${s.title} ...`);
    const t0 = performance.now();
    try {
      const result = await s.run();
      console.log(JSON.stringify(result.json));
      rows.push(result.row);
    } catch (err) {
      // One broken scenario should not hide the others' figures.
      failed++;
      const message = err instanceof Error ? err.message : String(err);
      console.log(JSON.stringify({ scenario: s.id, title: s.title, error: message }));
      rows.push(failedRow(s.title, message));
      killAllChildren();
    }
    progress(`${s.title} done in ${round((performance.now() - t0) / 1000, 1)} s`);
  }
  const durationSec = round((performance.now() - startedAt) / 1000);
  console.log('');
  console.log(plainTable(rows));
  if (!only) {
    const path = await writeReadme(rows, {
      date: new Date().toISOString().slice(0, 10),
      node: process.version,
      nproc: shell('nproc', String(availableParallelism())),
      openFilesLimit: limit,
      loadAtStart,
      durationSec,
    });
    progress(`results written to ${path}`);
  }
  progress(`finished in ${durationSec} s`);
  return failed > 0 ? 1 : 0;
}

function failedRow(title: string, message: string): Row {
  return {
    scenario: title,
    sessions: '—',
    throughput: 'FAILED',
    latency: '—',
    other: message,
    brokerCpu: '—',
    driver: '—',
  };
}

// Whatever ends the run, no broker or driver may outlive it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}
process.on('exit', killAllChildren);

main().then(
  (code) => {
    killAllChildren();
    process.exitCode = code;
  },
  (err: unknown) => {
    killAllChildren();
    console.error(err);
    process.exitCode = 1;
  },
);
