import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { createBroker, type Broker } from '../../server/broker.js';
import type { BrokerOptions } from '../../server/broker-options.js';
import { freePort } from '../support/free-port.js';
import { spawnRedis } from '../support/redis-spawn.js';

// The broker is only started from server code; everything said to it goes
// through the wire, as PROTOCOL.md describes it.

/** A fresh temporary directory, removed when the test ends. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'baton-conformance-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A broker on a free loopback port, closed when the test ends. */
export async function startBroker(options: BrokerOptions = {}): Promise<Broker> {
  const broker = await createBroker({
    dataDir: tempDir(),
    ...options,
    transport: { port: 0, ...options.transport },
  });
  onTestFinished(() => broker.close());
  return broker;
}

/** A real `redis-server` on a free loopback port, killed by pid when the test ends. */
export async function startRedis(): Promise<string> {
  const port = await freePort();
  const child = await spawnRedis(port, tempDir(), ['--save', '', '--appendonly', 'no']);
  onTestFinished(() => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  });
  return `redis://127.0.0.1:${port}`;
}

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
