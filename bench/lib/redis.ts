import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.js';
import { spawnRedis } from '../../test/support/redis-spawn.js';
import { progress } from './runner.js';

/** The bench's own Redis: never 127.0.0.1:6379, which may belong to someone else. */
export interface BenchRedis {
  url: string;
  pid: number;
}

/** A port freed by `freePort` can be taken by someone else before Redis binds it: try again. */
const START_ATTEMPTS = 3;

let current: { child: ChildProcess; dir: string } | null = null;

/**
 * The run's one Redis when any row needs it (each row gets a cluster name of
 * its own in it), or why there is none: `redis-server` missing from PATH
 * skips the Redis rows rather than failing the run. No RDB, no AOF: the
 * figures are the broker's round trips to Redis, not Redis's disk.
 */
export async function redisIfNeeded(needed: boolean): Promise<BenchRedis | { skipped: string }> {
  if (!needed) return { skipped: 'not needed' };
  let why = '';
  for (let attempt = 0; attempt < START_ATTEMPTS && !current; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bench-redis-'));
    const port = await freePort();
    try {
      const child = await spawnRedis(port, dir, ['--save', '', '--appendonly', 'no']);
      current = { child, dir };
      progress(`Redis at redis://127.0.0.1:${port}`);
      return { url: `redis://127.0.0.1:${port}`, pid: child.pid as number };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        why = 'redis-server is not on PATH';
        break;
      }
      why = `redis-server did not start: ${(err as Error).message.split('\n').at(-1) ?? ''}`;
    }
  }
  progress(`Redis modes skipped: ${why}`);
  return { skipped: why };
}

/** Kills the bench's Redis by pid and removes its dir; safe to call at any time, also on exit. */
export function stopRedis(): void {
  current?.child.kill('SIGKILL');
  if (current) rmSync(current.dir, { recursive: true, force: true });
  current = null;
}
