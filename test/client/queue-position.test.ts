import { describe, expect, it } from 'vitest';
import type { QueuePlace } from '../../client/acquire-options.js';
import type { Lease } from '../../client/lease.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';

describe('queue position in the SDK', () => {
  it('calls onQueued at enqueue and as the place moves by the step, and answers client.position', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    let lease: Lease = await holder.acquire('p');
    const others = await Promise.all(Array.from({ length: 11 }, () => startClient(broker.url)));
    const granted: Promise<Lease>[] = [];
    for (const [i, c] of others.entries()) {
      granted.push(c.acquire('p'));
      await eventually(() => (broker.views.queue('p').queue.length === i + 1 ? true : undefined));
    }
    const last = await startClient(broker.url);
    const told: QueuePlace[] = [];
    const mine = last.acquire('p', { onQueued: (p) => told.push(p), positionStep: 5 });
    await eventually(() => (told.length === 1 ? true : undefined));
    expect(told[0]).toEqual({ position: 12 });
    expect(await last.position('p')).toEqual({ position: 12 });
    expect(await last.position('elsewhere')).toBeNull();
    // Hand the lock down the line: place 12 → 10 (a multiple of the step) → 5.
    for (let i = 0; i < 7; i++) {
      await lease.release();
      lease = await granted[i]!;
    }
    await eventually(() => (told.length === 3 ? true : undefined));
    expect(told.map((p) => p.position)).toEqual([12, 10, 5]);
    expect(told[2]!.etaMs).toBeGreaterThanOrEqual(0);
    const place = await last.position('p');
    expect(place?.position).toBe(5);
    for (let i = 7; i < 11; i++) {
      await lease.release();
      lease = await granted[i]!;
    }
    await lease.release();
    await mine;
    expect(await last.position('p')).toBeNull();
  });
});
