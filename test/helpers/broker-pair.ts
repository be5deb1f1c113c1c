import type { Broker } from '../../server/broker.js';
import { eventually, startBroker } from './harness.js';
import { RedisProcess } from './redis-server.js';

/**
 * Two in-process brokers on a Redis of their own: `active` leads, `standby`
 * follows; `urls` lists both, for clients that must follow a failover. The
 * leader lease is short (500 ms) so a test's takeover is quick.
 */
export async function brokerPair(): Promise<{ active: Broker; standby: Broker; urls: string[] }> {
  const redis = await RedisProcess.start();
  const options = { redis: { url: redis.url, leaderLeaseMs: 500 } };
  const active = await startBroker(options);
  await eventually(
    () => (active.role === 'active' ? true : undefined),
    5_000,
    'first broker active',
  );
  const standby = await startBroker(options);
  return { active, standby, urls: [active.url, standby.url] };
}
