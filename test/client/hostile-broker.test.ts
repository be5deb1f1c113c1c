import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatonClient, type ClientStatus } from '../../client/client.js';
import { Link } from '../../client/link.js';
import type { BatonError } from '../../shared/errors.js';
import { ERROR_CODES } from '../../shared/errors.js';
import { CLOSE_CODES, type ServerFrame } from '../../shared/protocol.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { hostileFrameBytes } from '../helpers/hostile-values.js';

interface Session {
  client: BatonClient;
  /** Every socket the client opened, newest last. */
  sockets: FakeSocket[];
  statuses: ClientStatus[];
  /** The client's calls, each settled or not. */
  calls: Promise<unknown>[];
}

/** A client with a session over a fake socket, one lease held and one acquire waiting. */
async function session(): Promise<Session> {
  const sockets: FakeSocket[] = [];
  const client = new BatonClient({ url: 'ws://fake', reconnectMinDelayMs: 1 }, () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  });
  const statuses: ClientStatus[] = [];
  client.onStatus((s) => statuses.push(s));
  const started = client.start();
  const socket = sockets[0]!;
  socket.welcome();
  await started;
  const held = client.acquire('held');
  const grantFor = socket.sent.find((f) => f.t === 'acquire');
  socket.deliver({ t: 'grant', id: grantFor!.id, path: 'held', token: 1 });
  await held;
  const calls = [client.acquire('waiting'), client.tryAcquire('maybe')];
  for (const call of calls) call.catch(() => {});
  return { client, sockets, statuses, calls };
}

/** Closes the client and tells whether every call it had made settled. */
async function closeAndSettle({ client, calls }: Session): Promise<boolean> {
  const settled = Promise.allSettled([client.close(), ...calls]).then(() => true);
  const stuck = new Promise<false>((r) => setTimeout(() => r(false), 3_000));
  return Promise.race([settled, stuck]);
}

const ids = fc.integer({ min: 1, max: 6 });
const token = fc.integer({ min: 0, max: 3 });
const path = fc.constantFrom('held', 'waiting', 'maybe', 'other');
/** Frames that pass the guards but make little sense: replies to the wrong request, and worse. */
const oddFrame: fc.Arbitrary<ServerFrame> = fc.oneof(
  fc.record({ t: fc.constant('grant' as const), id: ids, path, token }),
  fc.record({ t: fc.constantFrom('busy' as const, 'ok' as const), id: ids }),
  fc.record({ t: fc.constant('queued' as const), id: ids }),
  fc
    .record({
      t: fc.constant('error' as const),
      id: fc.option(ids, { nil: undefined }),
      code: fc.constantFrom(...ERROR_CODES),
      message: fc.string(),
    })
    .map((f) => (f.id === undefined ? { t: f.t, code: f.code, message: f.message } : f)),
  fc.record({
    t: fc.constant('lost' as const),
    path,
    token,
    reason: fc.constantFrom(
      'lease-expired',
      'session-expired',
      'revoked',
      'closed',
    ) as fc.Arbitrary<'revoked'>,
  }),
  fc.constantFrom<ServerFrame>({ t: 'redirect' }, { t: 'redirect', url: 'javascript:alert(1)' }),
  fc.record({
    t: fc.constant('welcome' as const),
    v: fc.constantFrom(1, 2),
    session: fc.constantFrom('s', 'other'),
    secret: fc.constant('k'),
    ttlMs: fc.constantFrom(1, 500, 10_000, 2 ** 31 - 1),
    resumed: fc.boolean(),
    held: fc.array(fc.record({ id: ids, path, token }), { maxLength: 3 }),
  }),
);

describe('a client facing a hostile broker', () => {
  it('never throws into its host, whatever bytes arrive, and settles every call on close', async () => {
    const sessions: Session[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileFrameBytes, { minLength: 1, maxLength: 3 }),
        async (frames) => {
          const s = await session();
          sessions.push(s);
          for (const bytes of frames) {
            expect(() => s.sockets.at(-1)!.deliverBytes(bytes)).not.toThrow();
          }
        },
      ),
      { numRuns: 150 },
    );
    const settled = await Promise.all(sessions.map(closeAndSettle));
    expect(settled.every(Boolean)).toBe(true);
  });

  it('drops the connection on a bad frame with PROTOCOL, and says so', async () => {
    const s = await session();
    const socket = s.sockets[0]!;
    socket.deliverBytes(Uint8Array.of(0x81, 0xa1, 0x74, 0x81, 0xa8, ...Buffer.from('toString'), 1));
    expect(socket.closedWith).toBe(CLOSE_CODES.protocol);
    const status = s.statuses.at(-1);
    expect(status).toMatchObject({ state: 'reconnecting', error: { code: 'PROTOCOL' } });
    expect(await closeAndSettle(s)).toBe(true);
  });

  it('never throws on frames that pass the guards but make no sense, and settles every call', async () => {
    const sessions: Session[] = [];
    await fc.assert(
      fc.asyncProperty(fc.array(oddFrame, { minLength: 1, maxLength: 8 }), async (frames) => {
        const s = await session();
        sessions.push(s);
        for (const frame of frames) expect(() => s.sockets.at(-1)!.deliver(frame)).not.toThrow();
      }),
      { numRuns: 150 },
    );
    const settled = await Promise.all(sessions.map(closeAndSettle));
    expect(settled.every(Boolean)).toBe(true);
  });

  it('rejects an acquire answered with ok instead of leaving it waiting', async () => {
    const s = await session();
    const socket = s.sockets[0]!;
    const acquire = s.client.acquire('answered-ok');
    const frame = socket.sent.filter((f) => f.t === 'acquire').at(-1)!;
    socket.deliver({ t: 'ok', id: frame.id });
    const outcome = acquire.then(
      () => 'granted',
      (e: BatonError) => e.code,
    );
    const stuck = new Promise((r) => setTimeout(() => r('still waiting'), 2_000));
    expect(await Promise.race([outcome, stuck])).toBe('PROTOCOL');
    expect(await closeAndSettle(s)).toBe(true);
  });
});

describe('the link, when its owner fails on a frame', () => {
  it('drops the socket and reports INTERNAL instead of throwing into the host', () => {
    const socket = new FakeSocket();
    const downs: [number, BatonError | undefined][] = [];
    const link = new Link(
      ['ws://fake'],
      () => socket,
      { backoff: { minMs: 1_000, maxMs: 1_000, jitter: 0.5 }, openTimeoutMs: 5_000 },
      {
        open: () => {},
        frame: () => {
          throw new TypeError('a bug in the owner');
        },
        down: (code, error) => downs.push([code, error]),
      },
    );
    link.dial();
    socket.open();
    expect(() => socket.deliver({ t: 'ok', id: 1 })).not.toThrow();
    expect(socket.closedWith).toBe(CLOSE_CODES.protocol);
    expect(downs).toHaveLength(1);
    expect(downs[0]![1]).toMatchObject({ code: 'INTERNAL' });
    link.stop();
  });
});
