import { describe, expect, it } from 'vitest';
import { startBroker } from './brokers.js';
import { Peer } from './peer.js';
import { CLOSE } from './wire.js';

/** The bytes of the msgpack str `s` (fixstr, as any encoder writes short keys). */
function fixstr(s: string): number[] {
  return [0xa0 | s.length, ...Buffer.from(s)];
}

/** Where `needle` starts in `bytes`, or -1. */
function indexOf(bytes: Uint8Array, needle: number[]): number {
  return Buffer.from(bytes).indexOf(Buffer.from(needle));
}

describe('acquire and grant (PROTOCOL.md: Locks)', () => {
  it('grants a free lock with an int token that arrives as a float 64', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    peer.send({ t: 'acquire', id: 1, path: 'orders/42', wait: true });
    const grant = await peer.reply(1);
    expect(grant).toEqual({ t: 'grant', id: 1, path: 'orders/42', token: expect.any(Number) });
    const token = grant.token as number;
    expect(Number.isSafeInteger(token) && token >= 1).toBe(true);
    // The token is above 2^32: the broker writes it as a float 64 (0xcb) after its key.
    const bytes = peer.raw.at(-1) as Uint8Array;
    const at = indexOf(bytes, fixstr('token'));
    expect(at).toBeGreaterThanOrEqual(0);
    expect(bytes[at + 6]).toBe(0xcb);
  });

  it('queues a second session and pushes it the grant, with a larger token, when the first releases', async () => {
    const broker = await startBroker();
    const { peer: first } = await Peer.session(broker.url);
    const { peer: second } = await Peer.session(broker.url);
    const { peer: third } = await Peer.session(broker.url);
    first.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const held = await first.reply(1);
    second.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await second.reply(1)).toEqual({ t: 'queued', id: 1, position: 1 });
    third.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await third.reply(1)).toEqual({ t: 'queued', id: 1, position: 2 });

    first.send({ t: 'release', id: 2, path: 'p', token: held.token });
    const pushed = await second.next((f) => f.t === 'grant');
    expect(pushed).toMatchObject({ id: 1, path: 'p' });
    expect(pushed.token as number).toBeGreaterThan(held.token as number);
    expect(await first.reply(2)).toEqual({ t: 'ok', id: 2 });

    // A quiet release gets no ok; the next waiter is granted all the same.
    second.send({ t: 'release', id: 2, path: 'p', token: pushed.token, quiet: true });
    await second.sync(3);
    expect(second.frames).toEqual([]);
    const last = await third.next((f) => f.t === 'grant');
    expect(last.token as number).toBeGreaterThan(pushed.token as number);
  });

  it('answers a try on a taken lock with busy, and queues nothing', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url);
    const { peer: trier } = await Peer.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const held = await holder.reply(1);
    trier.send({ t: 'acquire', id: 1, path: 'p', wait: false });
    expect(await trier.reply(1)).toEqual({ t: 'busy', id: 1 });
    holder.send({ t: 'release', id: 2, path: 'p', token: held.token });
    expect(await holder.reply(2)).toEqual({ t: 'ok', id: 2 });
    await trier.sync(2);
    expect(trier.frames).toEqual([]);
  });

  it('times a waiter out with TIMEOUT; timeoutMs 0 on a taken lock is TIMEOUT at once', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url);
    const { peer: waiter } = await Peer.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    await holder.reply(1);
    waiter.send({ t: 'acquire', id: 1, path: 'p', wait: true, timeoutMs: 0 });
    expect(await waiter.reply(1)).toMatchObject({ t: 'error', id: 1, code: 'TIMEOUT' });
    waiter.send({ t: 'acquire', id: 2, path: 'p', wait: true, timeoutMs: 200, quiet: true });
    expect(await waiter.reply(2)).toMatchObject({ t: 'error', id: 2, code: 'TIMEOUT' });
  });

  it('refuses a bad path with INVALID_PATH and a wrong token with NOT_HOLDER; the session goes on', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    peer.send({ t: 'acquire', id: 1, path: '', wait: true });
    peer.send({ t: 'acquire', id: 2, path: 'a\u0007b', wait: true });
    peer.send({ t: 'acquire', id: 3, path: 'é'.repeat(257), wait: true }); // 514 UTF-8 bytes
    for (const id of [1, 2, 3]) {
      expect(await peer.reply(id)).toMatchObject({ t: 'error', id, code: 'INVALID_PATH' });
    }
    peer.send({ t: 'acquire', id: 4, path: 'p', wait: true });
    const held = await peer.reply(4);
    peer.send({ t: 'release', id: 5, path: 'p', token: (held.token as number) - 1, quiet: true });
    expect(await peer.reply(5)).toMatchObject({ t: 'error', id: 5, code: 'NOT_HOLDER' });
    peer.send({ t: 'release', id: 6, path: 'p', token: held.token });
    expect(await peer.reply(6)).toEqual({ t: 'ok', id: 6 });
    peer.send({ t: 'release', id: 7, path: 'p', token: held.token });
    expect(await peer.reply(7)).toMatchObject({ t: 'error', id: 7, code: 'NOT_HOLDER' });
  });

  it('cancels a waiter (no grant comes) and a granted acquire (the lock is released)', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url);
    const { peer: quitter } = await Peer.session(broker.url);
    const { peer: next } = await Peer.session(broker.url);
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    await holder.reply(1);
    quitter.send({ t: 'acquire', id: 1, path: 'p', wait: true, quiet: true });
    next.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await next.reply(1)).toMatchObject({ t: 'queued', position: 2 });
    quitter.send({ t: 'cancel', id: 2, target: 1 });
    expect(await quitter.reply(2)).toEqual({ t: 'ok', id: 2 });
    quitter.send({ t: 'cancel', id: 3, target: 99 });
    expect(await quitter.reply(3)).toEqual({ t: 'ok', id: 3 });

    // Cancelling the holder's granted acquire releases the lock: the next waiter is pushed it.
    holder.send({ t: 'cancel', id: 2, target: 1 });
    expect(await holder.reply(2)).toEqual({ t: 'ok', id: 2 });
    expect(await next.next((f) => f.t === 'grant')).toMatchObject({ id: 1, path: 'p' });
    await quitter.sync(4);
    expect(quitter.frames).toEqual([]);
  });

  it('is not re-entrant: a second acquire of a held path by the same session queues behind it', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    peer.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const first = await peer.reply(1);
    peer.send({ t: 'acquire', id: 2, path: 'p', wait: true });
    expect(await peer.reply(2)).toEqual({ t: 'queued', id: 2, position: 1 });
    peer.send({ t: 'release', id: 3, path: 'p', token: first.token, quiet: true });
    expect(await peer.reply(2)).toMatchObject({ t: 'grant', path: 'p' });
  });
});

describe('session expiry (PROTOCOL.md: Lost locks)', () => {
  it('releases what a silent session held, tells it lost and closes 4000, and grants the next waiter', async () => {
    const broker = await startBroker();
    const { peer: silent } = await Peer.session(broker.url, { ttlMs: 300 });
    const { peer: waiter } = await Peer.session(broker.url);
    silent.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    const held = await silent.reply(1);
    waiter.send({ t: 'acquire', id: 1, path: 'p', wait: true, quiet: true });

    const lost = await silent.next((f) => f.t === 'lost');
    expect(lost).toEqual({ t: 'lost', path: 'p', token: held.token, reason: 'session-expired' });
    expect((await silent.closedWith()).code).toBe(CLOSE.sessionEnded);
    const pushed = await waiter.reply(1);
    expect(pushed).toMatchObject({ t: 'grant', path: 'p' });
    expect(pushed.token as number).toBeGreaterThan(held.token as number);
  });
});

describe('semaphores and read/write locks (PROTOCOL.md: Acquire)', () => {
  it('grants up to `limit` holders, refuses another limit while in use, and queues the rest', async () => {
    const broker = await startBroker();
    const peers = await Promise.all(
      [0, 1, 2, 3].map(async () => (await Peer.session(broker.url)).peer),
    );
    const [a, b, c, d] = peers as [Peer, Peer, Peer, Peer];
    a.send({ t: 'acquire', id: 1, path: 'pool', wait: true, limit: 2 });
    b.send({ t: 'acquire', id: 1, path: 'pool', wait: true, limit: 2 });
    const [ga, gb] = [await a.reply(1), await b.reply(1)];
    expect([ga.t, gb.t]).toEqual(['grant', 'grant']);
    expect(ga.token).not.toBe(gb.token);
    c.send({ t: 'acquire', id: 1, path: 'pool', wait: true, limit: 2 });
    expect(await c.reply(1)).toEqual({ t: 'queued', id: 1, position: 1 });
    d.send({ t: 'acquire', id: 1, path: 'pool', wait: true, limit: 3 });
    expect(await d.reply(1)).toMatchObject({ t: 'error', id: 1, code: 'INVALID_OPTION' });
    d.send({ t: 'check', id: 2, path: 'pool', token: ga.token });
    expect(await d.reply(2)).toEqual({ t: 'ok', id: 2 });
    a.send({ t: 'release', id: 2, path: 'pool', token: ga.token });
    const pushed = await c.next((f) => f.t === 'grant');
    expect(pushed.token as number).toBeGreaterThan(gb.token as number);
    // The released token is no longer current; the one granted in its place is.
    d.send({ t: 'check', id: 3, path: 'pool', token: ga.token });
    expect(await d.reply(3)).toMatchObject({ t: 'error', id: 3, code: 'NOT_HOLDER' });
    d.send({ t: 'check', id: 4, path: 'pool', token: pushed.token });
    expect(await d.reply(4)).toEqual({ t: 'ok', id: 4 });
  });

  it('shares a read lock, queues a writer, and queues a later reader behind the writer', async () => {
    const broker = await startBroker();
    const peers = await Promise.all(
      [0, 1, 2, 3].map(async () => (await Peer.session(broker.url)).peer),
    );
    const [r1, r2, w, r3] = peers as [Peer, Peer, Peer, Peer];
    r1.send({ t: 'acquire', id: 1, path: 'doc', wait: true, mode: 'read' });
    r2.send({ t: 'acquire', id: 1, path: 'doc', wait: true, mode: 'read' });
    const [g1, g2] = [await r1.reply(1), await r2.reply(1)];
    expect([g1.t, g2.t]).toEqual(['grant', 'grant']);
    w.send({ t: 'acquire', id: 1, path: 'doc', wait: true, mode: 'write' });
    expect(await w.reply(1)).toEqual({ t: 'queued', id: 1, position: 1 });
    r3.send({ t: 'acquire', id: 1, path: 'doc', wait: true, mode: 'read' });
    expect(await r3.reply(1)).toEqual({ t: 'queued', id: 1, position: 2 });
    r1.send({ t: 'release', id: 2, path: 'doc', token: g1.token });
    r2.send({ t: 'release', id: 2, path: 'doc', token: g2.token });
    const writer = await w.next((f) => f.t === 'grant');
    w.send({ t: 'release', id: 2, path: 'doc', token: writer.token });
    const reader = await r3.next((f) => f.t === 'grant');
    expect(reader.token as number).toBeGreaterThan(writer.token as number);
    r3.send({ t: 'acquire', id: 2, path: 'x', wait: true, mode: 'read', limit: 2 });
    expect(await r3.reply(2)).toMatchObject({ t: 'error', id: 2, code: 'INVALID_OPTION' });
    r3.send({ t: 'acquire', id: 3, path: 'x', wait: true, mode: 'share' });
    expect(await r3.reply(3)).toMatchObject({ t: 'error', code: 'PROTOCOL' });
  });
});

describe('watching a leader (PROTOCOL.md: watch, leader)', () => {
  it('answers a watch with the holder and its value, and tells each change under the same id', async () => {
    const broker = await startBroker();
    const peers = await Promise.all(
      [0, 1, 2].map(async () => (await Peer.session(broker.url)).peer),
    );
    const [watcher, one, two] = peers as [Peer, Peer, Peer];
    watcher.send({ t: 'watch', id: 5, path: 'svc' });
    expect(await watcher.reply(5)).toEqual({ t: 'leader', id: 5, path: 'svc' });
    one.send({ t: 'acquire', id: 1, path: 'svc', wait: true, value: 'one:80' });
    const g1 = await one.reply(1);
    expect(await watcher.next((f) => f.t === 'leader')).toEqual({
      t: 'leader',
      id: 5,
      path: 'svc',
      token: g1.token,
      value: 'one:80',
    });
    two.send({ t: 'acquire', id: 1, path: 'svc', wait: true, value: 'two:80' });
    await two.reply(1);
    one.send({ t: 'release', id: 2, path: 'svc', token: g1.token, quiet: true });
    const g2 = await two.next((f) => f.t === 'grant');
    expect(await watcher.next((f) => f.t === 'leader')).toMatchObject({
      id: 5,
      token: g2.token,
      value: 'two:80',
    });
    watcher.send({ t: 'unwatch', id: 6, target: 5 });
    expect(await watcher.reply(6)).toEqual({ t: 'ok', id: 6 });
    two.send({ t: 'release', id: 2, path: 'svc', token: g2.token });
    await two.reply(2);
    await watcher.sync(7);
    expect(watcher.frames).toEqual([]);
    watcher.send({ t: 'acquire', id: 8, path: 'x', wait: true, value: 'bad\u0007' });
    expect(await watcher.reply(8)).toMatchObject({ t: 'error', code: 'PROTOCOL' });
  });
});
