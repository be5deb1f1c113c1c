import { spawn, type ChildProcess } from 'node:child_process';

/** How long a `redis-server` gets to say it accepts connections. */
const READY_TIMEOUT_MS = 10_000;

/**
 * Starts `redis-server --port <port> --bind 127.0.0.1 --dir <dir> <args>` and
 * resolves once it accepts connections. Rejects with what it printed when it
 * exits or stalls (after killing it); a missing binary rejects with the spawn
 * error, whose `code` is `ENOENT`. Shared by the tests and the bench, so it
 * knows nothing of vitest: the caller kills the process by pid.
 */
export function spawnRedis(port: number, dir: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    const fail = (err: Error): void => {
      if (ready) return;
      clearTimeout(timer);
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`redis did not start:\n${out}`)),
      READY_TIMEOUT_MS,
    );
    child.on('error', fail);
    child.once('exit', () => fail(new Error(`redis exited:\n${out}`)));
    const collect = (chunk: Buffer): void => {
      // Once ready the pipes are still drained, so a chatty Redis never blocks, but not kept.
      if (ready || out.length > 64 * 1024) return;
      out += chunk.toString();
      if (!out.includes('Ready to accept connections')) return;
      ready = true;
      clearTimeout(timer);
      resolve(child);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
  });
}
