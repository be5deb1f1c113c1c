import { describe, expect, it } from 'vitest';
import { eventually, startBroker, startClient } from '../helpers/harness.js';

describe('client.acquireAll', () => {
  it('takes overlapping sets asked for in opposite orders by two clients, many times, without deadlock', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const rounds = async (client: typeof a, paths: string[], seen: number[]) => {
      for (let i = 0; i < 40; i++) {
        const set = await client.acquireAll(paths, { timeoutMs: 10_000 });
        seen.push(set.token('y'));
        await set.release();
      }
    };
    const seenA: number[] = [];
    const seenB: number[] = [];
    await Promise.all([rounds(a, ['x', 'y', 'z'], seenA), rounds(b, ['z', 'y', 'w'], seenB)]);
    expect(seenA).toHaveLength(40);
    expect(seenB).toHaveLength(40);
    // Each held y alone: 80 distinct tokens.
    expect(new Set([...seenA, ...seenB]).size).toBe(80);
  });

  it('proof: the same rounds taking the paths in the order given do deadlock', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const naive = async (client: typeof a, paths: string[]) => {
      for (let i = 0; i < 40; i++) {
        const leases = [];
        for (const path of paths) leases.push(await client.acquire(path, { timeoutMs: 1_000 }));
        await Promise.all(leases.map((l) => l.release()));
      }
    };
    const outcome = await Promise.all([naive(a, ['x', 'y', 'z']), naive(b, ['z', 'y', 'w'])]).catch(
      (e: unknown) => e,
    );
    expect(outcome).toMatchObject({ code: 'TIMEOUT' });
  });

  it('takes all or none: one path it cannot have gives back those it took, and a lost lease aborts the set', async () => {
    const broker = await startBroker();
    const [holder, asker] = [await startClient(broker.url), await startClient(broker.url)];
    const busy = await holder.acquire('c');
    await expect(asker.acquireAll(['a', 'b', 'c'], { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    // a and b were taken first (sorted order) and given back.
    const given = () =>
      broker.views.queue('a').holders.length + broker.views.queue('b').holders.length;
    await eventually(() => (given() === 0 ? true : undefined));
    await busy.release();
    const set = await asker.acquireAll(['c', 'a', 'b']);
    expect([...set.leases.keys()]).toEqual(['a', 'b', 'c']);
    expect(set.signal.aborted).toBe(false);
    expect(() => set.assertHeld()).not.toThrow();
    broker.forceRelease('b');
    await new Promise((r) => set.signal.addEventListener('abort', r, { once: true }));
    expect(set.signal.reason).toMatchObject({ code: 'LOCK_LOST' });
    await set.release();
    await expect(asker.acquireAll(['a', 'a'])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(asker.acquireAll([])).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
