import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { onTestFinished } from 'vitest';
import { connect, type BatonClient, type ClientOptions } from '../../client/node.js';
import { createBroker, type Broker, type BrokerDeps } from '../../server/broker.js';
import type { BrokerOptions } from '../../server/broker-options.js';

/** The built CLI; `npm test` builds before it runs vitest. */
export const CLI = join(import.meta.dirname, '../../dist/server/main.js');

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-test-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** An in-process broker on a free loopback port, closed when the test ends. */
export async function startBroker(
  options: BrokerOptions = {},
  deps: BrokerDeps = {},
): Promise<Broker> {
  const broker = await createBroker(
    {
      dataDir: tempDir(),
      ...options,
      transport: { port: 0, ...options.transport },
    },
    deps,
  );
  onTestFinished(() => broker.close());
  return broker;
}

/** An SDK client, closed when the test ends. */
export async function startClient(
  url: string | string[],
  options: Partial<ClientOptions> = {},
): Promise<BatonClient> {
  const client = await connect({ url, ...options });
  onTestFinished(() => client.close());
  return client;
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** Lines the child printed so far (stderr ones prefixed `[stderr] `). */
  lines: string[];
  /** Resolves with the first line that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node args…`; the child is killed by pid when the test ends, if
 * still alive. `onLine` sees every line as it comes.
 */
export function spawnNode(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onLine?: (line: string) => void,
): Child {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const push = (line: string): void => {
    lines.push(line);
    onLine?.(line);
    for (const w of waiters) w();
  };
  createInterface({ input: child.stdout! }).on('line', push);
  // Line by line too: a broker says its role changes ("active (epoch N)", "deposed") there.
  createInterface({ input: child.stderr! }).on('line', (line) => push(`[stderr] ${line}`));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL');
  });
  const waitForLine = (pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        for (const line of lines) {
          const m = line.match(pattern);
          if (m) {
            cleanup();
            resolve(m);
            return true;
          }
        }
        return false;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`no line matching ${pattern} in ${timeoutMs} ms; got:\n${lines.join('\n')}`),
        );
      }, timeoutMs);
      const onExit = (): void => {
        if (check()) return;
        cleanup();
        reject(new Error(`child exited before printing ${pattern}; got:\n${lines.join('\n')}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(waiter);
        child.off('exit', onExit);
      };
      const waiter = (): void => void check();
      if (check()) return;
      waiters.add(waiter);
      child.on('exit', onExit);
    });
  return { process: child, pid, lines, waitForLine, exited };
}

/** A broker in its own process (the built CLI), for kill -9 and restart tests. */
export async function spawnBroker(
  dataDir: string,
  extraArgs: string[] = [],
): Promise<Child & { url: string }> {
  const child = spawnNode([CLI, 'server', '--port', '0', '--data-dir', dataDir, ...extraArgs]);
  const [, url] = await child.waitForLine(/listening on (wss?:\/\/\S+)/);
  return { ...child, url: url as string };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Waits until `path` has no holder: a release is not answered, so it lands a moment after it resolves. */
export function freed(broker: Broker, path: string): Promise<true> {
  const free = (): true | undefined =>
    broker.views.queue(path).holder === null ? true : undefined;
  return eventually(free, 5_000, `${path} to be free`);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
