import { describe, expect, it } from 'vitest';
import type { Broker } from '../../server/broker.js';
import type { LimitOptions } from '../../server/broker-options.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { BatonError } from '../../shared/errors.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { byId, RawClient } from '../helpers/raw-client.js';

/** Another host, as far as the broker can tell: Linux routes all of 127.0.0.0/8 to loopback. */
const OTHER_HOST = '127.0.0.2';

/** A broker with `limits`, on a clock that moves only when the test says. */
async function brokerWith(limits: LimitOptions): Promise<{ broker: Broker; clock: ManualClock }> {
  const clock = new ManualClock();
  // Bound: the broker hands `wallMs` on as a plain function.
  const bound = { now: () => clock.now(), wallMs: () => clock.wallMs() };
  const broker = await startBroker({ limits }, { clock: bound, timer: clock });
  return { broker, clock };
}

describe('per-owner quotas, through the broker', () => {
  it('refuses a hello past maxSessionsPerOwner with LIMIT_EXCEEDED; another host still gets in', async () => {
    const { broker } = await brokerWith({ maxSessionsPerOwner: 2 });
    await RawClient.session(broker.url);
    await RawClient.session(broker.url);
    const third = await RawClient.open(broker.url);
    third.send({ t: 'hello', v: 1 });
    expect(await third.next((f) => f.t === 'error')).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    await third.closed();
    await RawClient.session(broker.url, 10_000, OTHER_HOST);
  });

  it('refuses an acquire past maxLocksPerOwner over all the owner’s sessions; the session goes on', async () => {
    const { broker } = await brokerWith({ maxLocksPerOwner: 2 });
    const a = await RawClient.session(broker.url);
    const b = await RawClient.session(broker.url);
    a.send({ t: 'acquire', id: 1, path: 'x', wait: true });
    b.send({ t: 'acquire', id: 1, path: 'x', wait: true });
    await b.next((f) => f.t === 'queued');
    b.send({ t: 'acquire', id: 2, path: 'y', wait: true });
    expect(await b.next(byId(2))).toMatchObject({ t: 'error', code: 'LIMIT_EXCEEDED' });
    const other = await RawClient.session(broker.url, 10_000, OTHER_HOST);
    other.send({ t: 'acquire', id: 1, path: 'y', wait: true });
    expect(await other.next(byId(1))).toMatchObject({ t: 'grant' });
    b.send({ t: 'hb', id: 3 });
    expect(await b.next(byId(3))).toEqual({ t: 'ok', id: 3 });
  });
});

describe('detached sessions, through the broker', () => {
  it('ends a session maxDetachedMs after its connection closed, though it asked for 10 minutes', async () => {
    const { broker, clock } = await brokerWith({ maxDetachedMs: 30_000 });
    const ghost = await RawClient.session(broker.url, 600_000);
    ghost.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    await ghost.next(byId(1));
    const worker = await RawClient.session(broker.url, 600_000);
    worker.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    await worker.next((f) => f.t === 'queued');
    ghost.socket.terminate();
    const expiresIn = () => broker.views.session(clock.now(), ghost.sessionId)?.expiresInMs;
    await eventually(() => (expiresIn() === 30_000 ? true : undefined), 5_000, 'the detach');
    clock.advance(29_999);
    await new Promise((r) => setTimeout(r, 50));
    expect(broker.views.queue('p').holder?.sessionId).toBe(ghost.sessionId);
    clock.advance(2);
    expect(await worker.next(byId(1))).toMatchObject({ t: 'grant', path: 'p' });
    expect(broker.views.hasSession(ghost.sessionId)).toBe(false);
  });
});

describe('rate limits, through the broker', () => {
  it('refuses hellos past the rate of one address with RATE_LIMITED and 4009', async () => {
    const { broker, clock } = await brokerWith({ helloRatePerSec: 1, helloBurst: 2 });
    await RawClient.session(broker.url);
    await RawClient.session(broker.url);
    const third = await RawClient.open(broker.url);
    third.send({ t: 'hello', v: 1 });
    expect(await third.next((f) => f.t === 'error')).toMatchObject({ code: 'RATE_LIMITED' });
    expect((await third.closed()).code).toBe(CLOSE_CODES.rateLimited);
    await RawClient.session(broker.url, 10_000, OTHER_HOST);
    clock.advance(1_000);
    await RawClient.session(broker.url);
  });

  it('fails acquires past the frame rate with RATE_LIMITED, still handles releases, and closes a flood', async () => {
    const { broker, clock } = await brokerWith({ frameRatePerSec: 1, frameBurst: 3 });
    // The hello took the first token.
    const c = await RawClient.session(broker.url);
    c.send({ t: 'acquire', id: 1, path: 'a', wait: true });
    const grant = await c.next(byId(1));
    c.send({ t: 'acquire', id: 2, path: 'b', wait: true });
    c.send({ t: 'acquire', id: 3, path: 'c', wait: true });
    expect(await c.next(byId(2))).toMatchObject({ t: 'grant' });
    expect(await c.next(byId(3))).toMatchObject({ t: 'error', code: 'RATE_LIMITED' });
    // Over the rate, a release still lets go of its lock.
    if (grant.t !== 'grant') throw new Error('no grant');
    c.send({ t: 'release', id: 4, path: 'a', token: grant.token });
    expect(await c.next(byId(4))).toEqual({ t: 'ok', id: 4 });
    expect(broker.views.queue('a').holder).toBeNull();
    // Paid back, it is served again.
    clock.advance(3_000);
    c.send({ t: 'acquire', id: 5, path: 'c', wait: true });
    expect(await c.next(byId(5))).toMatchObject({ t: 'grant' });
    for (let id = 6; id < 20; id++) c.send({ t: 'hb', id });
    expect((await c.closed()).code).toBe(CLOSE_CODES.rateLimited);
  });
});

describe('connection caps', () => {
  it('refuses connections past maxConnectionsPerAddress with LIMIT_EXCEEDED; other hosts still connect', async () => {
    const { broker } = await brokerWith({ maxConnectionsPerAddress: 2 });
    const first = await RawClient.session(broker.url);
    await RawClient.open(broker.url);
    const third = await RawClient.open(broker.url);
    expect(await third.next((f) => f.t === 'error')).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await third.closed()).code).toBe(1013);
    await RawClient.session(broker.url, 10_000, OTHER_HOST);
    first.send({ t: 'hb', id: 1 });
    expect(await first.next(byId(1))).toEqual({ t: 'ok', id: 1 });
  });

  it('refuses sockets past maxConnections at once; open sessions keep working', async () => {
    const { broker } = await brokerWith({ maxConnections: 2 });
    const a = await RawClient.session(broker.url);
    await RawClient.session(broker.url);
    await expect(RawClient.open(broker.url)).rejects.toThrow();
    a.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await a.next(byId(1))).toMatchObject({ t: 'grant' });
  });
});

describe('what an SDK client sees', () => {
  it('an acquire past the frame rate rejects with RATE_LIMITED, and the client goes on', async () => {
    const { broker, clock } = await brokerWith({ frameRatePerSec: 1, frameBurst: 2 });
    const client = await startClient(broker.url);
    const first = await client.acquire('a');
    const refused = await client.acquire('b').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(BatonError);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED' });
    clock.advance(5_000);
    await first.release();
    const again = await client.acquire('b');
    expect(again.token).toBeGreaterThan(first.token);
  });
});
