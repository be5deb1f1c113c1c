import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import {
  BatonError,
  ConnectionClosedError,
  errorFromCode,
  ERROR_CODES,
  InvalidOptionError,
  LockLostError,
  NotHolderError,
  ProtocolError,
  TimeoutError,
  type ErrorCode,
} from '../../shared/errors.js';
import { lockPathProblem } from '../../shared/lock-path.js';
import {
  guardClientFrame,
  guardServerFrame,
  LIST_CODES,
  PROTOCOL_VERSION,
  type ClientFrame,
  type ServerFrame,
} from '../../shared/protocol.js';

const clientFrames: ClientFrame[] = [
  { t: 'hello', v: PROTOCOL_VERSION },
  { t: 'hello', v: PROTOCOL_VERSION, ttlMs: 5_000, session: 's', secret: 'k', name: 'worker 1' },
  { t: 'hello', v: PROTOCOL_VERSION, authToken: 't'.repeat(512) },
  { t: 'hello', v: PROTOCOL_VERSION, compact: true },
  { t: 'hb', id: 1 },
  { t: 'acquire', id: 2, path: 'orders/42', wait: true },
  { t: 'acquire', id: 3, path: 'ключ/🔒', wait: false, timeoutMs: 0 },
  { t: 'release', id: 4, path: 'orders/42', token: 2 ** 52 },
  { t: 'cancel', id: 5, target: 3 },
  { t: 'bye', id: 6 },
  { t: 'acquire', id: 7, path: 'orders/42', wait: true, quiet: true },
  { t: 'acquire', id: 8, path: 'orders/42', wait: false, quiet: true, timeoutMs: 5 },
  { t: 'release', id: 9, path: 'orders/42', token: 2 ** 52, quiet: true },
  { t: 'release', id: 10, path: 'orders/42', token: 3, quiet: true, failure: 'no' },
];

const serverFrames: ServerFrame[] = [
  {
    t: 'welcome',
    v: 1,
    session: 's',
    secret: 'k',
    ttlMs: 10_000,
    resumed: true,
    held: [{ id: 2, path: 'a', token: 9 }],
  },
  {
    t: 'welcome',
    v: 1,
    session: 's',
    secret: 'k',
    ttlMs: 1,
    resumed: false,
    held: [],
    compact: true,
  },
  { t: 'grant', id: 2, path: 'a', token: 9 },
  { t: 'queued', id: 3, position: 10_000 },
  { t: 'queued', id: 3 },
  { t: 'busy', id: 4 },
  { t: 'ok', id: 5 },
  { t: 'error', id: 6, code: 'NOT_HOLDER', message: 'no' },
  { t: 'error', code: 'PROTOCOL', message: 'bad' },
  { t: 'lost', path: 'a', token: 9, reason: 'session-expired' },
];

describe('codec and guards', () => {
  it.each(clientFrames)('round-trips client frame %o', (frame) => {
    expect(guardClientFrame(decodeFrame(encodeFrame(frame)))).toEqual({ ok: true, frame });
  });

  it.each(serverFrames)('round-trips server frame %o', (frame) => {
    expect(guardServerFrame(decodeFrame(encodeFrame(frame)))).toEqual({ ok: true, frame });
  });

  it.each(clientFrames)('round-trips client frame %o in compact encoding', (frame) => {
    expect(guardClientFrame(decodeFrame(encodeFrame(frame, true)))).toEqual({ ok: true, frame });
  });

  it.each(serverFrames)('round-trips server frame %o in compact encoding', (frame) => {
    expect(guardServerFrame(decodeFrame(encodeFrame(frame, true)))).toEqual({ ok: true, frame });
  });

  it('writes a list only for a frame with exactly the fields of its list', () => {
    // 0x94: a fixarray of four items.
    const isList = (f: ClientFrame | ServerFrame): boolean => encodeFrame(f, true)[0] === 0x94;
    const lists = [...clientFrames, ...serverFrames].filter(isList);
    expect(lists).toEqual([
      { t: 'acquire', id: 7, path: 'orders/42', wait: true, quiet: true },
      { t: 'release', id: 9, path: 'orders/42', token: 2 ** 52, quiet: true },
      { t: 'grant', id: 2, path: 'a', token: 9 },
    ]);
    expect(decodeFrame(encodeFrame(lists[0]!, true))).toEqual([
      LIST_CODES.acquire,
      7,
      'orders/42',
      true,
    ]);
    // Without `compact`, never: a peer that did not ask for lists gets maps.
    expect([...clientFrames, ...serverFrames].some((f) => encodeFrame(f)[0] === 0x94)).toBe(false);
  });

  it('reads a list grant from the broker, and no client list', () => {
    expect(guardServerFrame([LIST_CODES.grant, 1, 'p', 5])).toEqual({
      ok: true,
      frame: { t: 'grant', id: 1, path: 'p', token: 5 },
    });
    for (const bad of [
      [LIST_CODES.acquire, 1, 'p', true],
      [LIST_CODES.grant, 1, 'p'],
      [LIST_CODES.grant, 1, 'p', 5, 0],
      [],
    ]) {
      expect(guardServerFrame(bad).ok).toBe(false);
    }
    expect(guardClientFrame([LIST_CODES.grant, 1, 'p', 5])).toMatchObject({ ok: false, id: 1 });
  });

  it('encodes plain msgpack maps, readable without msgpackr records', () => {
    // map16 with 2 entries, then the key "t" as a fixstr: no msgpackr extension.
    expect(Array.from(encodeFrame({ t: 'hb', id: 1 }).subarray(0, 5))).toEqual([
      0xde, 0x00, 0x02, 0xa1, 0x74,
    ]);
  });

  it.each([
    [null, undefined],
    [{ t: 'acquire', id: 0, path: 'p', wait: true }, undefined],
    [{ t: 'acquire', id: 3, path: 'p', wait: 'yes' }, 3],
    [{ t: 'acquire', id: 3, path: 'p'.repeat(3_000), wait: true }, 3],
    [{ t: 'release', id: 4, path: 'p', token: 2 ** 60 }, 4],
    [{ t: 'hello', v: 1, session: 's' }, undefined],
    [{ t: 'hello', v: 1, name: 'n'.repeat(200) }, undefined],
    [{ t: 'hello', v: 1, authToken: 't'.repeat(513) }, undefined],
    [{ t: 'hello', v: 1, authToken: 42 }, undefined],
    [{ t: 'cancel', id: 5 }, 5],
    [{ t: 'nope', id: 6 }, 6],
    [[LIST_CODES.acquire, 5, 'p'], 5],
    [[LIST_CODES.acquire, 5, 'p', true, 0], 5],
    [[9, 6, 'p', true], 6],
    [[LIST_CODES.acquire, 0, 'p', true], undefined],
    [[LIST_CODES.acquire, 7, 'p', 'yes'], 7],
    [[LIST_CODES.acquire, 7, 'p'.repeat(3_000), true], 7],
    [[LIST_CODES.release, 8, 'p', -1], 8],
    [[LIST_CODES.release, { toString: 1 }, 'p', 1], undefined],
    [[], undefined],
  ])('refuses %o, keeping the request id %s', (message, id) => {
    const result = guardClientFrame(message);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.id).toBe(id);
      expect(result.message.length).toBeGreaterThan(0);
    }
  });

  it.each([[[0x92, 0x01]], [[0x01, 0x02]], [[]]])(
    'throws on bytes that are not one msgpack value: %o',
    (bytes) => {
      expect(() => decodeFrame(new Uint8Array(bytes))).toThrow();
    },
  );
});

/** The class each code comes back as; a Record, so a new code cannot be left out. */
const CLASS_OF: Record<ErrorCode, { prototype: BatonError; name: string }> = {
  TIMEOUT: TimeoutError,
  ABORTED: BatonError,
  FLIGHT_FAILED: BatonError,
  INVALID_PATH: BatonError,
  INVALID_OPTION: InvalidOptionError,
  NOT_HOLDER: NotHolderError,
  SESSION_EXPIRED: ConnectionClosedError,
  LIMIT_EXCEEDED: BatonError,
  RATE_LIMITED: BatonError,
  UNAUTHENTICATED: BatonError,
  FORBIDDEN: BatonError,
  LOCK_LOST: LockLostError,
  PROTOCOL: ProtocolError,
  UNSUPPORTED_VERSION: BatonError,
  CLOSED: ConnectionClosedError,
  INTERNAL: BatonError,
};

describe('errors', () => {
  it.each(ERROR_CODES.map((code) => [code, CLASS_OF[code].name]))(
    'rebuilds %s as the class a caller branches on (%s)',
    (code) => {
      const err = errorFromCode(code, 'm');
      // The exact class, not just a BatonError: callers branch with instanceof.
      expect(Object.getPrototypeOf(err)).toBe(CLASS_OF[code].prototype);
      expect(err.name).toBe(CLASS_OF[code].name);
      expect(err.code).toBe(code);
      expect(err.message).toBe('m');
    },
  );

  it('says why a lock from the broker was lost', () => {
    const err = errorFromCode('LOCK_LOST', 'taken back');
    expect(err instanceof LockLostError && err.reason).toBe('revoked');
  });
});

describe('lock paths', () => {
  it.each([
    ['orders/42', null],
    ['é'.repeat(256), null],
    ['', /empty/],
    ['é'.repeat(256) + 'x', /512/],
    ['a\tb', /control/],
    ['a\u009fb', /control/],
    ['a\ud800b', /well-formed/],
    [42, /string/],
  ])('judges %o', (path, problem) => {
    const result = lockPathProblem(path);
    if (problem === null) expect(result).toBeNull();
    else expect(result).toMatch(problem);
  });
});
