import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { startBroker, tempDir } from './brokers.js';
import { Peer, sleep } from './peer.js';
import { CLOSE, HELLO_EXAMPLE_HEX, PROTOCOL_VERSION, STANDARD_CLOSE } from './wire.js';

describe('hello and welcome (PROTOCOL.md: Sessions)', () => {
  it('answers the example hello bytes with a welcome of every documented field', async () => {
    const broker = await startBroker();
    const peer = await Peer.open(broker.url);
    peer.sendRaw(Buffer.from(HELLO_EXAMPLE_HEX.replaceAll(' ', ''), 'hex'));
    const welcome = await peer.next(() => true);
    expect(welcome).toEqual({
      t: 'welcome',
      v: PROTOCOL_VERSION,
      session: expect.any(String),
      secret: expect.any(String),
      ttlMs: 10_000,
      resumed: false,
      held: [],
      compact: true,
    });
    expect((welcome.session as string).length).toBeLessThanOrEqual(64);
    expect((welcome.secret as string).length).toBeLessThanOrEqual(64);
  });

  it('clamps the TTL asked for into the broker range and tells the granted one', async () => {
    const broker = await startBroker();
    expect((await Peer.session(broker.url, { ttlMs: 1 })).welcome.ttlMs).toBe(200);
    expect((await Peer.session(broker.url, { ttlMs: 10 ** 9 })).welcome.ttlMs).toBe(600_000);
    expect((await Peer.session(broker.url)).welcome.ttlMs).toBe(10_000);
  });

  it('accepts the upgrade on any path, with no subprotocol', async () => {
    const broker = await startBroker();
    const { welcome } = await Peer.session(`${broker.url}/some/path`);
    expect(welcome.resumed).toBe(false);
  });

  it('refuses another version: UNSUPPORTED_VERSION without id, then close 4011', async () => {
    const broker = await startBroker();
    const peer = await Peer.open(broker.url);
    peer.send({ t: 'hello', v: PROTOCOL_VERSION + 1 });
    const error = await peer.next(() => true);
    expect(error).toMatchObject({ t: 'error', code: 'UNSUPPORTED_VERSION' });
    expect(error).not.toHaveProperty('id');
    expect((await peer.closedWith()).code).toBe(CLOSE.unsupportedVersion);
  });

  it('answers bye with ok and closes with 4000; the session cannot be resumed after', async () => {
    const broker = await startBroker();
    const { peer, welcome } = await Peer.session(broker.url);
    peer.send({ t: 'bye', id: 1 });
    expect(await peer.reply(1)).toEqual({ t: 'ok', id: 1 });
    expect((await peer.closedWith()).code).toBe(CLOSE.sessionEnded);

    const again = await Peer.open(broker.url);
    again.send({ t: 'hello', v: 1, session: welcome.session, secret: welcome.secret });
    const error = await again.next(() => true);
    expect(error).toMatchObject({ t: 'error', code: 'SESSION_EXPIRED' });
    expect(error).not.toHaveProperty('id');
    expect((await again.closedWith()).code).toBe(CLOSE.protocol);
  });
});

describe('invalid frames (PROTOCOL.md: Error codes, Close codes)', () => {
  it('closes with 4002 after a PROTOCOL error for a text frame, a request before hello, a second hello', async () => {
    const broker = await startBroker();
    const text = await Peer.open(broker.url);
    text.sendRaw('{"t":"hello","v":1}');
    const early = await Peer.open(broker.url);
    early.send({ t: 'hb', id: 1 });
    const { peer: twice } = await Peer.session(broker.url);
    twice.send({ t: 'hello', v: 1 });
    for (const peer of [text, early, twice]) {
      expect(await peer.next(() => true)).toMatchObject({ t: 'error', code: 'PROTOCOL' });
      expect((await peer.closedWith()).code).toBe(CLOSE.protocol);
    }
  });

  it('answers a bad frame with PROTOCOL, with its id when it could be read, and goes on', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    peer.sendRaw(Uint8Array.of(0xc1)); // never used in msgpack
    expect(await peer.next(() => true)).toMatchObject({ t: 'error', code: 'PROTOCOL' });
    peer.send({ t: 'nonsense', id: 2 });
    peer.send({ t: 'acquire', id: 3, path: 'a' }); // no `wait`
    peer.send({ t: 'acquire', id: 4, path: Buffer.from('a'), wait: true }); // bin, not str
    peer.send({ t: 'acquire', id: 5, path: 'a', wait: true, timeoutMs: -1 });
    peer.send({ t: 'release', id: 6, path: 'a', token: 1.5 });
    for (const id of [2, 3, 4, 5, 6]) {
      expect(await peer.reply(id)).toMatchObject({ t: 'error', id, code: 'PROTOCOL' });
    }
    peer.send({ t: 'hb', id: 0 }); // ids start at 1: no id to answer
    const noId = await peer.next(() => true);
    expect(noId).toMatchObject({ t: 'error', code: 'PROTOCOL' });
    expect(noId).not.toHaveProperty('id');
    // Unknown fields are ignored; nil is absent.
    peer.send({ t: 'acquire', id: 7, path: 'a', wait: true, timeoutMs: null, extra: [1] });
    expect(await peer.reply(7)).toMatchObject({ t: 'grant', id: 7, path: 'a' });
    expect(peer.closed).toBeNull();
  });

  it('reads an int field in any msgpack format: uint 64, int 64, and a float 64 holding a whole number', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    // {t: "hb", id: …} written by hand: a fixmap of two pairs, the id last.
    const hb = (...id: number[]): Buffer =>
      Buffer.from([0x82, 0xa1, 0x74, 0xa2, 0x68, 0x62, 0xa2, 0x69, 0x64, ...id]);
    peer.sendRaw(hb(0xcf, 0, 0, 0, 0, 0, 0, 0, 11)); // uint 64
    peer.sendRaw(hb(0xd3, 0, 0, 0, 0, 0, 0, 0, 12)); // int 64
    peer.sendRaw(hb(0xcb, ...Buffer.from('402a000000000000', 'hex'))); // float 64: 13.0
    for (const id of [11, 12, 13]) expect(await peer.reply(id)).toEqual({ t: 'ok', id });
  });

  it('closes with 1009 on a frame over maxFrameBytes', async () => {
    const broker = await startBroker({ limits: { maxFrameBytes: 1024 } });
    const { peer } = await Peer.session(broker.url);
    peer.send({ t: 'hb', id: 1, padding: 'x'.repeat(2048) });
    expect((await peer.closedWith()).code).toBe(STANDARD_CLOSE.messageTooBig);
  });

  it('keeps a connection whose hello failed the checks open until the hello timeout: 4002', async () => {
    const broker = await startBroker({ transport: { helloTimeoutMs: 300 } });
    const peer = await Peer.open(broker.url);
    peer.send({ t: 'hello' }); // no `v`
    expect(await peer.next(() => true)).toMatchObject({ t: 'error', code: 'PROTOCOL' });
    expect(peer.closed).toBeNull();
    expect((await peer.closedWith()).code).toBe(CLOSE.protocol);
  });
});

describe('heartbeats (PROTOCOL.md: Heartbeats and the client-side lease rule)', () => {
  it('answers hb with ok; heartbeats keep a short session and its lock past many TTLs', async () => {
    const broker = await startBroker();
    const ttlMs = 1_000;
    const { peer: beating } = await Peer.session(broker.url, { ttlMs });
    const { peer: silent } = await Peer.session(broker.url, { ttlMs });
    beating.send({ t: 'acquire', id: 1, path: 'kept', wait: true });
    silent.send({ t: 'acquire', id: 1, path: 'dropped', wait: true });
    expect(await beating.reply(1)).toMatchObject({ t: 'grant' });
    expect(await silent.reply(1)).toMatchObject({ t: 'grant' });

    let id = 2;
    for (const end = Date.now() + 3 * ttlMs; Date.now() < end; await sleep(ttlMs / 5)) {
      beating.send({ t: 'hb', id });
      expect(await beating.reply(id)).toEqual({ t: 'ok', id });
      id++;
    }
    // The silent one expired meanwhile; the beating one holds on.
    expect(silent.closed?.code).toBe(CLOSE.sessionEnded);
    expect(beating.closed).toBeNull();
    const { peer: other } = await Peer.session(broker.url);
    other.send({ t: 'acquire', id: 1, path: 'kept', wait: false });
    other.send({ t: 'acquire', id: 2, path: 'dropped', wait: false });
    expect(await other.reply(1)).toEqual({ t: 'busy', id: 1 });
    expect(await other.reply(2)).toMatchObject({ t: 'grant', id: 2 });
  });
});

describe('the WebSocket upgrade (PROTOCOL.md: Connecting)', () => {
  /** The HTTP status of an upgrade with `headers`, or 101 when it succeeds. */
  async function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
    const socket = new WebSocket(url, { headers });
    return new Promise((resolve) => {
      socket.once('open', () => (socket.terminate(), resolve(101)));
      socket.once(
        'unexpected-response',
        (_req, res) => (socket.terminate(), resolve(res.statusCode ?? 0)),
      );
      socket.once('error', () => resolve(0));
    });
  }

  it('refuses an Origin from another host with 403, and takes one from the dialled host', async () => {
    const broker = await startBroker();
    expect(await upgradeStatus(broker.url, { Origin: 'https://elsewhere.example' })).toBe(403);
    const host = new URL(broker.url).host;
    expect(await upgradeStatus(broker.url, { Origin: `http://${host}` })).toBe(101);
    expect(await upgradeStatus(broker.url, {})).toBe(101);
  });

  it('with an auth file: UNAUTHENTICATED and 4003 without a credential; Bearer or hello token let in; FORBIDDEN outside the prefixes', async () => {
    const token = 'conformance-token';
    const file = join(tempDir(), 'auth.json');
    const tokenSha256 = createHash('sha256').update(token).digest('hex');
    const allow = [{ prefix: 'mine/', rights: ['lock'] }];
    writeFileSync(file, JSON.stringify({ principals: [{ name: 'p', tokenSha256, allow }] }));
    const broker = await startBroker({ auth: { file } });

    const anonymous = await Peer.open(broker.url);
    anonymous.send({ t: 'hello', v: 1 });
    const refused = await anonymous.next(() => true);
    expect(refused).toMatchObject({ t: 'error', code: 'UNAUTHENTICATED' });
    expect(refused).not.toHaveProperty('id');
    expect((await anonymous.closedWith()).code).toBe(CLOSE.unauthenticated);

    const bearer = await Peer.open(broker.url, { Authorization: `Bearer ${token}` });
    bearer.send({ t: 'hello', v: 1 });
    expect(await bearer.next(() => true)).toMatchObject({ t: 'welcome' });

    // The hello's token wins over the header's.
    const both = await Peer.open(broker.url, { Authorization: 'Bearer wrong' });
    both.send({ t: 'hello', v: 1, authToken: token });
    expect(await both.next(() => true)).toMatchObject({ t: 'welcome' });

    both.send({ t: 'acquire', id: 1, path: 'theirs/x', wait: true });
    expect(await both.reply(1)).toMatchObject({ t: 'error', id: 1, code: 'FORBIDDEN' });
    both.send({ t: 'acquire', id: 2, path: 'mine/x', wait: true });
    expect(await both.reply(2)).toMatchObject({ t: 'grant', id: 2 });
  });
});
