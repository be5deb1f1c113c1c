import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../shared/codec.js';
import { guardClientFrame } from '../../shared/protocol.js';
import { writeMsgpack, lengthHeader, type Mp } from '../helpers/msgpack-writer.js';

/** What msgpackr makes of hostile bytes with the codec's settings. */
describe('decoding hostile bytes', () => {
  it('turns a __proto__ key into an own property, never a prototype', () => {
    const bytes = writeMsgpack({ pairs: [['__proto__', { pairs: [['t', 'hb']] }]] });
    const value = decodeFrame(bytes) as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(['__proto_']);
    expect(({} as Record<string, unknown>).t).toBeUndefined();
    expect(guardClientFrame(value).ok).toBe(false);
  });

  it('forgets a record defined in one frame before the next', () => {
    // Record 0 defined with the key `t`, then used through its fixint (0x40) in the same frame.
    const definition: Mp = { seq: [{ ext: 0x72, data: Uint8Array.of(0) }, ['t'], 'hb'] };
    const reference: Mp = { seq: [{ raw: Uint8Array.of(0x40) }, 'ok'] };
    expect(decodeFrame(writeMsgpack([definition, reference]))).toEqual([{ t: 'hb' }, { t: 'ok' }]);
    // Had it lived on, 0x40 would read as a record here and fail for want of its fields.
    expect(decodeFrame(Uint8Array.of(0x40))).toBe(64);
    expect(decodeFrame(writeMsgpack([64, 65]))).toEqual([64, 65]);
  });

  it('refuses the reference extensions, which could build a cycle', () => {
    const cycle: Mp = {
      seq: [
        { ext: 0x69, data: Uint8Array.of(0, 0, 0, 1) },
        [1, { ext: 0x70, data: Uint8Array.of(0, 0, 0, 1) }],
      ],
    };
    expect(() => decodeFrame(writeMsgpack(cycle))).toThrow(/disabled/);
  });

  it('reads a 64-bit integer as a number: safe ones pass the guard, larger ones not', () => {
    expect(decodeFrame(writeMsgpack(5n))).toBe(5);
    expect(
      guardClientFrame(
        decodeFrame(
          writeMsgpack({
            pairs: [
              ['t', 'hb'],
              ['id', 5n],
            ],
          }),
        ),
      ),
    ).toEqual({
      ok: true,
      frame: { t: 'hb', id: 5 },
    });
    for (const id of [2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, -1n]) {
      const result = guardClientFrame(
        decodeFrame(
          writeMsgpack({
            pairs: [
              ['t', 'hb'],
              ['id', id],
            ],
          }),
        ),
      );
      expect(result).toMatchObject({ ok: false });
      expect(result).not.toHaveProperty('id');
    }
  });

  it('hands a bigint extension to the guard as a bigint, which it refuses', () => {
    const big: Mp = { ext: 0x42, data: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0, 0) };
    const value = decodeFrame(
      writeMsgpack({
        pairs: [
          ['t', 'hb'],
          ['id', big],
        ],
      }),
    ) as { id: unknown };
    expect(typeof value.id).toBe('bigint');
    const result = guardClientFrame(value);
    expect(result.ok).toBe(false);
    expect(() => JSON.stringify(result)).not.toThrow();
  });

  it('throws on nesting deeper than its stack, and decodes the next frame as usual', () => {
    const deep = new Uint8Array(200_000).fill(0x91);
    expect(() => decodeFrame(deep)).toThrow(RangeError);
    expect(
      decodeFrame(
        writeMsgpack({
          pairs: [
            ['t', 'hb'],
            ['id', 1],
          ],
        }),
      ),
    ).toEqual({ t: 'hb', id: 1 });
  });

  it.each(['str', 'bin', 'array', 'map', 'ext'] as const)(
    'throws on a %s header claiming 4 GiB, before allocating it',
    (kind) => {
      expect(() => decodeFrame(writeMsgpack(lengthHeader(kind, 0xffffffff)))).toThrow();
    },
  );

  it('throws on a map with a map for a key', () => {
    expect(() =>
      decodeFrame(writeMsgpack({ pairs: [[{ pairs: [['toString', 1]] }, 1]] })),
    ).toThrow();
  });
});
