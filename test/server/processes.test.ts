import { describe, expect, it } from 'vitest';
import { connect } from '../../client/node.js';
import {
  eventually,
  spawnBroker,
  spawnNode,
  startBroker,
  startClient,
  tempDir,
} from '../helpers/harness.js';
import { join } from 'node:path';

const HOLDER = join(import.meta.dirname, '../fixtures/hold-lock.mjs');

describe('processes killed with SIGKILL', () => {
  it('grants a killed holder’s lock to its waiter within TTL + 1 s', async () => {
    const broker = await startBroker({ table: { minSessionTtlMs: 100 } });
    const holder = spawnNode([HOLDER, broker.url, 'jobs/kill', '500']);
    await holder.waitForLine(/holding jobs\/kill/);
    const waiter = await startClient(broker.url);
    const pending = waiter.acquire('jobs/kill', { timeoutMs: 5_000 });
    await eventually(() => (broker.views.queue('jobs/kill').queue.length === 1 ? true : undefined));
    process.kill(holder.pid, 'SIGKILL');
    const killedAt = performance.now();
    const lease = await pending;
    expect(performance.now() - killedAt).toBeLessThan(500 + 1_000);
    expect(lease.path).toBe('jobs/kill');
  });

  it('keeps tokens increasing across a broker kill -9 and restart on the same data dir', async () => {
    const dataDir = tempDir();
    let last = 0;
    for (let round = 0; round < 3; round++) {
      const broker = await spawnBroker(dataDir);
      const client = await connect({ url: broker.url, connectTimeoutMs: 5_000 });
      for (let i = 0; i < 50; i++) {
        const lease = await client.acquire(`p${i % 3}`);
        expect(lease.token).toBeGreaterThan(last);
        last = lease.token;
        await lease.release();
      }
      process.kill(broker.pid, 'SIGKILL');
      await broker.exited;
      await client.close();
    }
  });

  it('refuses a second broker on a data dir a live broker holds', async () => {
    const dataDir = tempDir();
    const first = await spawnBroker(dataDir);
    const second = spawnNode([
      join(import.meta.dirname, '../../dist/server/main.js'),
      'server',
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ]);
    const { code } = await second.exited;
    expect(code).not.toBe(0);
    expect(second.lines.join('\n')).toMatch(/in use by process/);
    process.kill(first.pid, 'SIGTERM');
    expect((await first.exited).code).toBe(0);
  });
});
