import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** How long `redis-server` gets to say it is ready. */
const READY_TIMEOUT_MS = 10_000;
/** A port freed by `freePort` can be taken by someone else before Redis binds it: try again. */
const START_ATTEMPTS = 3;

/** The bench's own Redis: never 127.0.0.1:6379, which may belong to someone else. */
export interface BenchRedis {
  url: string;
  port: number;
  pid: number;
}

let current: { child: ChildProcess; dir: string } | null = null;

/** The run's one Redis when any row needs it (each row gets its own cluster name in it), else a reason. */
export async function redisIfNeeded(
  needed: boolean,
  progress: (message: string) => void,
): Promise<BenchRedis | { skipped: string }> {
  if (!needed) return { skipped: 'not needed' };
  const redis = await startRedis();
  progress('skipped' in redis ? `Redis modes skipped: ${redis.skipped}` : `Redis at ${redis.url}`);
  return redis;
}

/**
 * Starts `redis-server` on a free loopback port, without persistence (the
 * bench measures the broker's round trips to Redis, not Redis's disk), in a
 * temporary dir. Resolves to the server, or to the reason it cannot run —
 * `redis-server` missing from PATH is a reason to skip, not to fail.
 */
export async function startRedis(): Promise<BenchRedis | { skipped: string }> {
  let lastError = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'baton-bench-redis-'));
    const child = spawn(
      'redis-server',
      // No RDB, no AOF: the bench measures the broker's round trips, not Redis's disk.
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    current = { child, dir };
    const outcome = await waitReady(child);
    if (outcome === 'ready' && child.pid !== undefined) {
      return { url: `redis://127.0.0.1:${port}`, port, pid: child.pid };
    }
    stopRedis();
    if (outcome === 'missing') return { skipped: 'redis-server is not on PATH' };
    lastError = outcome;
  }
  return { skipped: `redis-server did not start: ${lastError}` };
}

/** Kills the bench's Redis by pid and removes its dir; safe to call at any time, also on exit. */
export function stopRedis(): void {
  const r = current;
  current = null;
  if (!r) return;
  if (r.child.exitCode === null && r.child.signalCode === null && r.child.pid !== undefined) {
    try {
      process.kill(r.child.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
  rmSync(r.dir, { recursive: true, force: true });
}

/** 'ready', 'missing' (ENOENT), or what Redis printed before it died or stalled. */
function waitReady(child: ChildProcess): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const timer = setTimeout(
      () => resolve(`not ready within ${READY_TIMEOUT_MS} ms`),
      READY_TIMEOUT_MS,
    );
    const done = (outcome: string): void => {
      clearTimeout(timer);
      resolve(outcome);
    };
    child.once('error', (err: NodeJS.ErrnoException) =>
      done(err.code === 'ENOENT' ? 'missing' : err.message),
    );
    child.once('exit', () => done(lastLine(out) || 'redis-server exited'));
    const collect = (chunk: Buffer): void => {
      // Once ready, the pipes are still read (so a chatty Redis never blocks) but not kept.
      if (out.length > 64 * 1024) return;
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) done('ready');
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? '';
}
