import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { BrokerCluster } from '../helpers/broker-cluster.js';
import { eventually, spawnNode, startClient } from '../helpers/harness.js';
import { FencedResource } from '../helpers/history.js';
import { RedisProcess } from '../helpers/redis-server.js';

const WRITER = join(import.meta.dirname, '../fixtures/stale-writer.mjs');

/** The fenced resource as a tiny HTTP service: 200 for a write it takes, 409 for a stale token. */
async function resourceServer(resource: FencedResource): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const ok = resource.write(
      url.searchParams.get('path') ?? '',
      Number(url.searchParams.get('token')),
    );
    res.writeHead(ok ? 200 : 409).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/write`;
}

describe.each<Consistency>(['strict', 'efficient'])(
  'a holder paused past its lease (%s)',
  (level) => {
    it('is fenced off when it writes with its old token', { timeout: 30_000 }, async () => {
      const redis = await RedisProcess.start();
      const cluster = await BrokerCluster.start(2, [
        '--redis',
        redis.url,
        '--leader-lease-ms',
        '1000',
      ]);
      await eventually(() => cluster.active(), 10_000, 'an active broker');
      const resource = new FencedResource();
      const url = await resourceServer(resource);
      const writer = spawnNode([WRITER, cluster.urls.join(','), 'orders/1', '500', url, level]);
      const [, oldToken] = await writer.waitForLine(/^holding (\d+)$/);
      process.kill(writer.pid, 'SIGSTOP');
      // Its session expires; the next holder writes with a newer token.
      const other = await startClient(cluster.urls);
      const lease = await other.acquire('orders/1', { timeoutMs: 5_000, consistency: level });
      expect(lease.token).toBeGreaterThan(Number(oldToken));
      expect(resource.write('orders/1', lease.token)).toBe(true);
      process.kill(writer.pid, 'SIGCONT');
      const [, verdict] = await writer.waitForLine(/^write (\w+) \d+$/);
      expect(verdict).toBe('rejected');
      console.log(JSON.stringify({ scenario: 'paused holder', level, staleWriteRejected: true }));
    });
  },
);
