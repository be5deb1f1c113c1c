import { describe, expect, it } from 'vitest';
import { eventually, startBroker } from '../../helpers/harness.js';
import { byId, RawClient } from '../../helpers/raw-client.js';

/** Resolves with the payload of the client's next pong; rejects after `timeoutMs` without one. */
function nextPong(raw: RawClient, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no pong')), timeoutMs);
    raw.socket.once('pong', (data) => {
      clearTimeout(timer);
      resolve(data.toString());
    });
  });
}

describe('pings (answered by the gateway, not by ws)', () => {
  it('answers each ping with a pong of its payload, before hello and after', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    let pong = nextPong(raw);
    raw.socket.ping('before hello');
    expect(await pong).toBe('before hello');
    const session = await RawClient.session(broker.url);
    pong = nextPong(session);
    session.socket.ping('in a session');
    expect(await pong).toBe('in a session');
    // The session is untouched by it.
    session.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    expect(await session.next(byId(1))).toMatchObject({ t: 'grant', path: 'p' });
  });

  it('cuts off a client that sends pings by the thousand, as ws would (60 pongs unwritten)', async () => {
    const broker = await startBroker();
    const raw = await RawClient.session(broker.url);
    let pongs = 0;
    raw.socket.on('pong', () => pongs++);
    const tcp = raw.tcp;
    tcp.cork();
    for (let i = 0; i < 5_000; i++) raw.socket.ping();
    tcp.uncork();
    expect((await raw.closed()).code).toBe(1006);
    expect(pongs).toBeLessThan(200);
  });

  it('cuts off a client that pings without reading its pongs', async () => {
    const broker = await startBroker({ limits: { maxBufferedBytes: 64 * 1024 } });
    const raw = await RawClient.session(broker.url);
    // Stop reading: the kernel buffers fill with pongs, then the broker's own queue would grow.
    raw.tcp.pause();
    const payload = Buffer.alloc(125, 'p');
    for (let round = 0; round < 400 && broker.connectionCount > 0; round++) {
      for (let i = 0; i < 1_000; i++) raw.socket.ping(payload);
      await new Promise((r) => setTimeout(r, 5));
    }
    await eventually(() => (broker.connectionCount === 0 ? true : undefined), 5_000, 'the cut-off');
  });
});
