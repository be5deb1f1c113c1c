import { describe, expect, it } from 'vitest';
import { eventually, startBroker, startClient } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';

describe('lock history with Redis', () => {
  it('travels in the mirrored log: a standby shows the same grants and reasons, and keeps them after taking over', async () => {
    const server = await RedisProcess.start();
    const redis = { url: server.url, leaderLeaseMs: 500 };
    const a = await startBroker({ redis });
    await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
    const b = await startBroker({ redis });
    expect(b.role).toBe('standby');
    const holder = await startClient(a.url);
    const waiter = await startClient(a.url);
    await (await holder.acquire('h')).release();
    await holder.acquire('h');
    const next = waiter.acquire('h');
    await eventually(() => (a.admin.overview().waiters === 1 ? true : undefined));
    a.admin.forceRelease('h');
    await next;
    const story = (broker: typeof a): string[] =>
      broker.admin.history({ path: 'h' }).map((e) => `${e.kind} ${e.reason ?? e.token}`);
    const expected = story(a);
    expect(expected.map((s) => s.split(' ')[0])).toEqual([
      'grant',
      'release',
      'grant',
      'release',
      'grant',
    ]);
    expect(expected[3]).toBe('release forced');
    await eventually(
      () => (JSON.stringify(story(b)) === JSON.stringify(expected) ? true : undefined),
      5_000,
      'the standby to replay the same history',
    );
    expect(b.admin.counters().releases.forced).toBe(1);
    await a.close();
    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
    expect(story(b)).toEqual(expected);
  });
});
