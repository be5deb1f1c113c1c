import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../shared/codec.js';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { byId, RawClient } from '../helpers/raw-client.js';
import type { Broker } from '../../server/broker.js';

/** After each bad input the broker must still serve a well-behaved client. */
async function stillServes(broker: Broker): Promise<void> {
  const client = await startClient(broker.url);
  const lease = await client.acquire(`health/${Math.random()}`);
  await lease.release();
  await client.close();
}

describe('bad input over a raw WebSocket', () => {
  it('answers malformed msgpack with a PROTOCOL error and keeps the session', async () => {
    const broker = await startBroker();
    const raw = await RawClient.session(broker.url);
    raw.sendBytes(new Uint8Array([0xc1, 0xff, 0x00]));
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'PROTOCOL' });
    raw.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await raw.next(byId(1))).toMatchObject({ t: 'grant', path: 'p' });
    await stillServes(broker);
  });

  const badFrames: [string, Record<string, unknown> | unknown[] | number, string | null][] = [
    ['an unknown frame type', { t: 'explode', id: 1 }, 'PROTOCOL'],
    // The frame that once took a broker down (String() of a map with a toString key).
    ['a type that is a map with a toString key', { t: { toString: 1 } }, 'PROTOCOL'],
    ['an id that is a map with a valueOf key', { t: 'hb', id: { valueOf: 1 } }, 'PROTOCOL'],
    ['a list instead of a map', [1, 2, 3], 'PROTOCOL'],
    ['a bare number', 42, 'PROTOCOL'],
    ['a string id', { t: 'acquire', id: '1', path: 'p', wait: true }, 'PROTOCOL'],
    ['a negative id', { t: 'hb', id: -5 }, 'PROTOCOL'],
    ['a fractional id', { t: 'hb', id: 1.5 }, 'PROTOCOL'],
    ['a numeric path', { t: 'acquire', id: 1, path: 7, wait: true }, 'PROTOCOL'],
    ['a missing wait flag', { t: 'acquire', id: 1, path: 'p' }, 'PROTOCOL'],
    [
      'a negative timeout',
      { t: 'acquire', id: 1, path: 'p', wait: true, timeoutMs: -1 },
      'PROTOCOL',
    ],
    [
      'a huge timeout',
      { t: 'acquire', id: 1, path: 'p', wait: true, timeoutMs: 2 ** 40 },
      'PROTOCOL',
    ],
    ['a token that is not a number', { t: 'release', id: 1, path: 'p', token: 'x' }, 'PROTOCOL'],
    ['an empty path', { t: 'acquire', id: 1, path: '', wait: true }, 'INVALID_PATH'],
    [
      'a path of 513 bytes',
      { t: 'acquire', id: 1, path: 'é'.repeat(256) + 'x', wait: true },
      'INVALID_PATH',
    ],
    ['a path with a newline', { t: 'acquire', id: 1, path: 'a\nb', wait: true }, 'INVALID_PATH'],
    ['a path with NUL', { t: 'acquire', id: 1, path: 'a\u0000b', wait: true }, 'INVALID_PATH'],
    ['a path with DEL', { t: 'acquire', id: 1, path: 'a\u007fb', wait: true }, 'INVALID_PATH'],
    [
      'a path with a C1 control',
      { t: 'acquire', id: 1, path: 'a\u0085b', wait: true },
      'INVALID_PATH',
    ],
    ['a second hello', { t: 'hello', v: PROTOCOL_VERSION }, null],
  ];

  it('answers { t: { toString: 1 } } before hello with PROTOCOL, and keeps the connection', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    raw.send({ t: { toString: 1 } });
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'PROTOCOL' });
    raw.send({ t: 'hello', v: PROTOCOL_VERSION });
    expect(await raw.next((f) => f.t === 'welcome')).toBeTruthy();
    expect(broker.admin.counters().internalErrors).toBe(0);
    await stillServes(broker);
  });

  it('refuses a session name with an escape sequence', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    raw.send({ t: 'hello', v: PROTOCOL_VERSION, name: 'x\u001b]0;owned\u0007' });
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'PROTOCOL' });
    await stillServes(broker);
  });

  for (const [what, frame, code] of badFrames) {
    it(`answers ${what} with a typed error`, async () => {
      const broker = await startBroker();
      const raw = await RawClient.session(broker.url);
      raw.sendBytes(encodeFrame(frame as never));
      const error = await raw.next((f) => f.t === 'error');
      if (code === null) {
        // A second hello is refused and the socket closed with a reason.
        expect(error).toMatchObject({ code: 'PROTOCOL' });
        expect(await raw.closed()).toMatchObject({ code: 4002 });
      } else {
        expect(error).toMatchObject({ code });
        expect(typeof (error as { message: string }).message).toBe('string');
        raw.send({ t: 'hb', id: 99 });
        expect(await raw.next(byId(99))).toMatchObject({ t: 'ok' });
      }
      await stillServes(broker);
    });
  }

  it('accepts a path of exactly 512 UTF-8 bytes', async () => {
    const broker = await startBroker();
    const raw = await RawClient.session(broker.url);
    raw.send({ t: 'acquire', id: 1, path: 'é'.repeat(256), wait: true });
    expect(await raw.next(byId(1))).toMatchObject({ t: 'grant' });
  });

  it('closes a connection whose first frame is not hello', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    raw.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'PROTOCOL' });
    expect(await raw.closed()).toMatchObject({ code: 4002 });
    await stillServes(broker);
  });

  it('refuses another protocol version with a reason', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    raw.send({ t: 'hello', v: PROTOCOL_VERSION + 1 });
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    expect(await raw.closed()).toMatchObject({ code: 4011 });
  });

  it('refuses a resume with a wrong secret without touching the real session', async () => {
    const broker = await startBroker();
    const owner = await RawClient.session(broker.url);
    const thief = await RawClient.open(broker.url);
    thief.send({ t: 'hello', v: PROTOCOL_VERSION, session: owner.sessionId, secret: 'guess' });
    expect(await thief.next((f) => f.t === 'error')).toMatchObject({ code: 'SESSION_EXPIRED' });
    owner.send({ t: 'hb', id: 1 });
    expect(await owner.next(byId(1))).toMatchObject({ t: 'ok' });
  });

  it('closes on a text frame', async () => {
    const broker = await startBroker();
    const raw = await RawClient.session(broker.url);
    raw.sendBytes('{"t":"hb","id":1}');
    expect(await raw.closed()).toMatchObject({ code: 4002 });
    await stillServes(broker);
  });

  it('closes a connection that sends a frame over the size limit', async () => {
    const broker = await startBroker({ limits: { maxFrameBytes: 4096 } });
    const raw = await RawClient.session(broker.url);
    raw.sendBytes(new Uint8Array(5000));
    expect(await raw.closed()).toMatchObject({ code: 1009 });
    await stillServes(broker);
  });

  it('closes a connection that never says hello', async () => {
    const broker = await startBroker({ transport: { helloTimeoutMs: 200 } });
    const raw = await RawClient.open(broker.url);
    expect(await raw.closed(2_000)).toMatchObject({ code: 4002 });
  });

  it('cuts off a client that stops reading instead of buffering for it', async () => {
    const broker = await startBroker({ limits: { maxBufferedBytes: 64 * 1024 } });
    const raw = await RawClient.session(broker.url);
    // Stop reading: the kernel buffers fill, then the broker's own queue would grow.
    raw.tcp.pause();
    // Each refused release echoes its 2,000-character path: about 2 KB of reply per frame.
    const path = 'x'.repeat(2_000);
    let id = 1;
    for (let round = 0; round < 100 && raw.closeEvent === null; round++) {
      for (let i = 0; i < 500; i++) raw.send({ t: 'release', id: id++, path, token: 1 });
      await new Promise((r) => setTimeout(r, 5));
    }
    // The paused client cannot see the close; the broker has dropped it from its table of sockets.
    await stillServes(broker);
    await eventually(() => (broker.connectionCount === 0 ? true : undefined), 5_000, 'the cut-off');
  });
});
