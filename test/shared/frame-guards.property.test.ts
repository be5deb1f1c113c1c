import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import {
  guardClientFrame,
  guardServerFrame,
  type ClientFrame,
  type GuardResult,
  type ServerFrame,
} from '../../shared/protocol.js';
import { HOSTILE_KEYS, hostileFrameBytes } from '../helpers/hostile-values.js';

const guards = [
  ['client', guardClientFrame],
  ['server', guardServerFrame],
] as const;

/** What every answer of a guard must look like, whatever it was given. */
function checkAnswer(result: GuardResult<ClientFrame | ServerFrame>): void {
  if (result.ok) {
    // Only plain data gets through: JSON.stringify throws on a bigint or a cycle.
    expect(() => JSON.stringify(result.frame)).not.toThrow();
    return;
  }
  expect(typeof result.message).toBe('string');
  // Bounded: a refusal quotes at most a short piece of what it was sent.
  expect(result.message.length).toBeLessThan(200);
  if ('id' in result) expect(Number.isSafeInteger(result.id) && result.id! > 0).toBe(true);
}

/** An accepted frame is exactly what it says: encoding and guarding it again gives it back. */
function checkRoundTrip(
  guard: (m: unknown) => GuardResult<ClientFrame | ServerFrame>,
  result: GuardResult<ClientFrame | ServerFrame>,
): void {
  if (!result.ok) return;
  expect(guard(decodeFrame(encodeFrame(result.frame)))).toEqual(result);
  // And in the list form, where the frame has one: it means exactly the same frame.
  expect(guard(decodeFrame(encodeFrame(result.frame, true)))).toEqual(result);
}

describe('frame guards, for any input', () => {
  it('answer every msgpack value without throwing; what they accept round-trips', () => {
    fc.assert(
      fc.property(hostileFrameBytes, (bytes) => {
        let message: unknown;
        try {
          message = decodeFrame(bytes);
        } catch {
          return; // The gateway answers PROTOCOL: nothing reaches a guard.
        }
        for (const [, guard] of guards) {
          const result = guard(message);
          checkAnswer(result);
          checkRoundTrip(guard, result);
        }
      }),
      { numRuns: 3_000 },
    );
  });

  it('answer any JavaScript value without throwing', () => {
    const key = fc.oneof(fc.constantFrom(...HOSTILE_KEYS), fc.string());
    const anything = fc.anything({
      key,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    const frames = fc.oneof(
      anything,
      fc.record({ t: anything, id: anything, path: anything }),
      fc.dictionary(key, anything),
    );
    fc.assert(
      fc.property(frames, (value) => {
        for (const [, guard] of guards) checkAnswer(guard(value));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('frame guards, the reported and the sneaky cases', () => {
  it.each([
    ['a type with a toString key', { t: { toString: 1 } }],
    ['a type with toString and valueOf keys', { t: { toString: 1, valueOf: 2 } }],
    ['an id with a toString key', { t: 'hb', id: { toString: 1 } }],
    ['a bigint id', { t: 'hb', id: 2n ** 60n }],
    ['a bigint type', { t: 10n }],
    ['a symbol type', { t: Symbol('hb') }],
    ['a frame that is a Date', new Date(0)],
    ['a frame that is a Map', new Map([['t', 'hb']])],
    ['a frame that is an Error', Object.assign(new Error('x'), { t: 'hb', id: 1 })],
    ['a frame that is a boxed string', Object('hb')],
  ])('refuses %s, without throwing', (_, frame) => {
    for (const [, guard] of guards) {
      const result = guard(frame);
      expect(result.ok).toBe(false);
      checkAnswer(result);
    }
  });

  it('reads only own fields: a prototype that carries them is no frame', () => {
    const inherited = Object.create({ t: 'hb', id: 1 }) as object;
    expect(guardClientFrame(inherited).ok).toBe(false);
    const proto = Object.prototype as Record<string, unknown>;
    // As if some other code in the process polluted Object.prototype.
    proto.t = 'grant';
    proto.id = 1;
    proto.path = 'p';
    proto.token = 1;
    try {
      expect(guardClientFrame({}).ok).toBe(false);
      expect(guardServerFrame({}).ok).toBe(false);
      expect(guardClientFrame({ t: 'hb' })).toMatchObject({ ok: false });
    } finally {
      delete proto.t;
      delete proto.id;
      delete proto.path;
      delete proto.token;
    }
  });

  it('keeps one zero: -0 comes back as 0', () => {
    const result = guardClientFrame({ t: 'release', id: 1, path: 'p', token: -0 });
    expect(result.ok && Object.is(result.frame.t === 'release' && result.frame.token, 0)).toBe(
      true,
    );
  });

  it('refuses a welcome whose TTL no timer can hold', () => {
    const welcome = { t: 'welcome', v: 1, session: 's', secret: 'k', resumed: false, held: [] };
    expect(guardServerFrame({ ...welcome, ttlMs: 2 ** 31 }).ok).toBe(false);
    expect(guardServerFrame({ ...welcome, ttlMs: 2 ** 31 - 1 }).ok).toBe(true);
  });
});
