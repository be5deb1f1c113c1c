import { describe, expect, it } from 'vitest';
import { asyncDispose, pickAsyncDispose } from '../../client/async-dispose.js';
import { connect } from '../../client/node.js';
import { Lease } from '../../client/lease.js';
import { BatonClient } from '../../client/client.js';
import { startBroker, startClient } from '../helpers/harness.js';

describe('await using', () => {
  it('keys the disposers under Symbol.asyncDispose where the runtime has it', () => {
    expect(asyncDispose).toBe(Symbol.asyncDispose);
    expect(typeof Lease.prototype[Symbol.asyncDispose]).toBe('function');
    expect(typeof BatonClient.prototype[Symbol.asyncDispose]).toBe('function');
  });

  it('falls back to the registered symbol that down-levelled code looks for', () => {
    expect(pickAsyncDispose({ for: Symbol.for })).toBe(Symbol.for('Symbol.asyncDispose'));
    const own = Symbol('own');
    expect(pickAsyncDispose({ asyncDispose: own, for: Symbol.for })).toBe(own);
  });

  it('releases a lease when its block is left', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    let token = 0;
    {
      await using lease = await client.acquire('jobs/1');
      token = lease.token;
      expect(broker.views.queue('jobs/1').holder?.token).toBe(token);
    }
    // The release is sent when the block is left; the next acquire is handled after it.
    const next = await client.acquire('jobs/1');
    expect(next.token).toBeGreaterThan(token);
    await next.release();
  });

  it('releases a lease when its block throws, and the error goes on', async () => {
    const broker = await startBroker();
    const client = await startClient(broker.url);
    let held: Lease | undefined;
    const run = async (): Promise<void> => {
      await using lease = await client.acquire('jobs/2');
      held = lease;
      throw new Error('job failed');
    };
    await expect(run()).rejects.toThrow('job failed');
    expect(held?.released).toBe(true);
    await expect(client.tryAcquire('jobs/2')).resolves.not.toBeNull();
  });

  it('closes a client when its block is left, ending its session', async () => {
    const broker = await startBroker();
    let lease: Lease | undefined;
    {
      await using client = await connect({ url: broker.url });
      lease = await client.acquire('jobs/3');
      expect(broker.views.counts().sessions).toBe(1);
    }
    expect(lease.signal.reason).toMatchObject({ code: 'LOCK_LOST', reason: 'closed' });
    expect(broker.views.queue('jobs/3').holder).toBeNull();
  });
});
