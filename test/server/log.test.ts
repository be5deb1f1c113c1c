import { describe, expect, it } from 'vitest';
import { BatonError } from '../../shared/errors.js';
import { LogThrottle } from '../../server/log.js';
import { call } from './admin/admin-harness.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { memoryLogger } from '../helpers/memory-logger.js';

describe('LogThrottle', () => {
  it('passes one line per key and window, then says how many it held back', () => {
    let now = 0;
    const throttle = new LogThrottle(() => now, 1_000);
    const written: [string, number][] = [];
    const hit = (key: string): void => throttle.pass(key, (held) => written.push([key, held]));
    for (let i = 0; i < 5; i++) hit('a');
    hit('b');
    expect(written).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    now = 999;
    hit('a');
    expect(written).toHaveLength(2);
    now = 1_000;
    hit('a');
    expect(written[2]).toEqual(['a', 5]);
  });

  it('forgets its keys rather than growing past its bound', () => {
    const throttle = new LogThrottle(() => 0, 1_000, 3);
    let writes = 0;
    for (let i = 0; i < 10; i++) throttle.pass(`k${i}`, () => writes++);
    // Forgotten keys write again: the bound costs a few extra lines, never memory.
    throttle.pass('k0', () => writes++);
    expect(writes).toBe(11);
  });
});

describe('broker log', () => {
  it('says where it listens, who took a lock away, and when it closes', async () => {
    const { logger, lines } = memoryLogger();
    const broker = await startBroker({ admin: { port: 0 } }, { logger });
    expect(lines.find((l) => /^listening on/.test(l.msg))).toMatchObject({
      part: 'broker',
      role: 'embedded',
      url: broker.url,
      admin: broker.adminUrl,
    });
    const holder = await startClient(broker.url);
    const lease = await holder.acquire('jobs/1');
    const admin = { url: broker.adminUrl!, port: 0, close: async () => {} };
    expect((await call(admin, '/api/lock/release?path=jobs/1', { method: 'POST' })).status).toBe(
      200,
    );
    expect(lines.find((l) => l.msg === 'operator action')).toMatchObject({
      part: 'admin',
      action: '/api/lock/release',
      path: 'jobs/1',
      by: '127.0.0.1',
      answer: { released: { sessionId: holder.session, token: lease.token } },
    });
    await broker.close();
    expect(lines.at(-1)?.msg).toBe('closing');
  });

  it('logs a limit a client keeps hitting a few times, not once per hit', async () => {
    const { logger, lines } = memoryLogger();
    const broker = await startBroker({ limits: { maxLocksPerSession: 1 } }, { logger });
    const client = await startClient(broker.url);
    await client.acquire('held');
    const refusals = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.acquire(`more/${i}`).catch((e: unknown) => e)),
    );
    expect(refusals.every((e) => e instanceof BatonError && e.code === 'LIMIT_EXCEEDED')).toBe(
      true,
    );
    await eventually(() => (lines.some((l) => /^limit:/.test(l.msg)) ? true : undefined));
    const limitLines = lines.filter((l) => /^limit:/.test(l.msg));
    expect(limitLines).toHaveLength(1);
    expect(limitLines[0]).toMatchObject({ part: 'broker', level: 40, who: client.session });
  });
});
