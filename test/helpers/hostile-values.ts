import fc from 'fast-check';
import { writeMsgpack, lengthHeader, type Mp } from './msgpack-writer.js';

/** Keys that trip code reading a decoded map carelessly, and the protocol's own. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'toJSON',
  'then',
  't',
  'id',
  'v',
  'path',
  'wait',
  'token',
  'target',
  'quiet',
  'session',
  'secret',
  'name',
  'ttlMs',
  'timeoutMs',
  'consistency',
  'held',
  'code',
  'message',
  'reason',
  'url',
  'resumed',
  'position',
] as const;

/** Every frame type of both directions, and near misses. */
export const FRAME_TYPES = [
  'hello',
  'hb',
  'acquire',
  'release',
  'cancel',
  'bye',
  'welcome',
  'grant',
  'queued',
  'busy',
  'ok',
  'error',
  'redirect',
  'lost',
  'Hello',
  'acquire\u0000',
  '',
  '__proto__',
  'toString',
] as const;

/** msgpackr's own extension types (records 0x72, references 0x69/0x70, …) and a few others. */
const EXT_TYPES = [0x00, 0x42, 0x62, 0x65, 0x69, 0x70, 0x72, 0x73, 0x74, 0x78, 0xff, 0x01, 0x7f];

const EDGE_NUMBERS = [
  0,
  -0,
  1,
  -1,
  63,
  64,
  127,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  2 ** 64,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  0.5,
  1.5,
];

const EDGE_BIGINTS = [
  0n,
  1n,
  2n ** 53n,
  2n ** 53n + 1n,
  2n ** 63n,
  2n ** 64n - 1n,
  -1n,
  -(2n ** 63n),
];

const hostileString = fc.oneof(
  fc.constantFrom(
    ...FRAME_TYPES,
    ...HOSTILE_KEYS,
    'p',
    'a/b',
    'efficient',
    'strict',
    'é'.repeat(256),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 0, max: 2100 }).map((n) => 'x'.repeat(n)),
);

/** Values msgpackr decodes: strings, edge numbers, int64s, binary, dates, big integers. */
const plainLeaf: fc.Arbitrary<Mp> = fc.oneof(
  hostileString,
  fc.constantFrom<Mp>(...EDGE_NUMBERS, ...EDGE_BIGINTS, null, undefined, true, false),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.uint8Array({ maxLength: 24 }),
  // Timestamps (-1) of 4, 8 and 12 bytes, and bigints (0x42) of any length.
  fc.record({ ext: fc.constant(0xff), data: fc.uint8Array({ minLength: 4, maxLength: 4 }) }),
  fc.record({ ext: fc.constant(0xff), data: fc.uint8Array({ minLength: 12, maxLength: 12 }) }),
  fc.record({ ext: fc.constant(0x42), data: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
);

/** Bytes that mostly do not decode: unknown extensions, lying length headers, noise. */
const brokenLeaf: fc.Arbitrary<Mp> = fc.oneof(
  fc.record({ ext: fc.constantFrom(...EXT_TYPES), data: fc.uint8Array({ maxLength: 20 }) }),
  fc.record({ ext: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 20 }) }),
  fc
    .tuple(fc.constantFrom('str', 'bin', 'array', 'map', 'ext') as fc.Arbitrary<'str'>, fc.nat())
    .map(([kind, n]) => lengthHeader(kind, n === 0 ? 0xffffffff : n)),
  fc.uint8Array({ minLength: 1, maxLength: 12 }).map((raw) => ({ raw })),
);

const leaf: fc.Arbitrary<Mp> = fc.oneof(
  { weight: 12, arbitrary: plainLeaf },
  { weight: 1, arbitrary: brokenLeaf },
);

/** Lists this deep or deeper than the decoder's stack, maps nested in `t`. */
const deep: fc.Arbitrary<Mp> = fc.oneof(
  fc.integer({ min: 1, max: 20_000 }).map((n) => ({ raw: nested(n, [0x91], [0xc0]) })),
  fc.integer({ min: 1, max: 5_000 }).map((n) => ({ raw: nested(n, [0x81, 0xa1, 0x74], [0x01]) })),
);

function nested(depth: number, open: number[], inner: number[]): Uint8Array {
  const out = new Uint8Array(depth * open.length + inner.length);
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  out.set(inner, depth * open.length);
  return out;
}

const key: fc.Arbitrary<Mp> = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom<Mp>(...HOSTILE_KEYS) },
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom<Mp>(1, -1, null, true, 2n ** 60n, 1.5) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Mp>({ pairs: [['toString', 1]] }, [1, 2], { pairs: [] }),
  },
);

/** A msgpackr record (ext 0x72) defined in slot `slot`, then used again through its fixint. */
function record(slot: number, keys: Mp[], values: Mp[], again: Mp[]): Mp {
  const definition = { seq: [{ ext: 0x72, data: Uint8Array.of(slot) }, keys, ...values] };
  const reference = { seq: [{ raw: Uint8Array.of(0x40 | slot) }, ...again] };
  return [definition, reference];
}

/** Any msgpack value, with the hostile keys, numbers, extensions and nesting above. */
export const anyMsgpack: fc.Arbitrary<Mp> = fc.letrec<{ value: Mp; list: Mp; map: Mp; ext: Mp }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf,
      tie('list'),
      tie('map'),
      tie('ext'),
    ),
    list: fc.array(tie('value'), { maxLength: 5 }),
    map: fc.array(fc.tuple(key, tie('value')), { maxLength: 6 }).map((pairs) => ({ pairs })),
    // msgpackr's extensions that read values after them.
    ext: fc.oneof(
      fc
        .tuple(fc.constantFrom<Mp>('Error', 'TypeError', ...HOSTILE_KEYS), tie('value'))
        .map(([name, message]) => ({
          seq: [{ ext: 0x65, data: Uint8Array.of(0) }, [name, message]],
        })),
      tie('list').map((items) => ({ seq: [{ ext: 0x73, data: Uint8Array.of(0) }, items] })),
      fc
        .tuple(fc.constantFrom('a*', '(a+)+$', '[', ''), fc.constantFrom('', 'g', 'u', 'gu', 'x'))
        .map((re) => ({ seq: [{ ext: 0x78, data: Uint8Array.of(0) }, re] })),
      fc
        .tuple(
          fc.nat(63),
          fc.array(fc.constantFrom(...HOSTILE_KEYS), { minLength: 1, maxLength: 4 }),
        )
        .chain(([slot, keys]) =>
          fc
            .tuple(
              fc.array(tie('value'), { minLength: keys.length, maxLength: keys.length }),
              fc.array(tie('value'), { minLength: keys.length, maxLength: keys.length }),
            )
            .map(([values, again]) => record(slot, keys, values, again)),
        ),
    ),
  }),
).value;

/** The fields frames carry, in both directions. */
const FIELD_KEYS = HOSTILE_KEYS.filter((k) => /^[a-z]/i.test(k) && k !== 't' && k.length < 12);

/** Values a field could plausibly hold, so that a frame gets past its first checks. */
const plausible: fc.Arbitrary<Mp> = fc.oneof(
  fc.integer({ min: 0, max: 1_000 }),
  fc.constantFrom<Mp>(1, 'p', 'a/b', 'strict', 'efficient', 'revoked', 'PROTOCOL', true, false),
  fc.constantFrom<Mp>(
    null,
    [],
    [
      {
        pairs: [
          ['id', 1],
          ['path', 'p'],
          ['token', 1],
        ],
      },
    ],
  ),
);

const fieldValue: fc.Arbitrary<Mp> = fc.oneof(
  { weight: 5, arbitrary: plausible },
  { weight: 4, arbitrary: plainLeaf },
  { weight: 1, arbitrary: anyMsgpack },
);

/** A map that names a frame type and carries fields with hostile values: gets past the type switch. */
export const frameLike: fc.Arbitrary<Mp> = fc
  .tuple(
    fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom<Mp>(...FRAME_TYPES) },
      {
        weight: 1,
        arbitrary: fc.constantFrom<Mp>({ pairs: [['toString', 1]] }, { pairs: [['valueOf', 1]] }),
      },
      { weight: 1, arbitrary: plainLeaf },
    ),
    fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 5, arbitrary: fc.constantFrom<Mp>(...FIELD_KEYS) },
          { weight: 1, arbitrary: key },
        ),
        fieldValue,
      ),
      { maxLength: 7 },
    ),
  )
  .map(([t, fields]) => ({ pairs: [['t', t], ...fields] }));

type Pairs = readonly (readonly [Mp, Mp])[];

const HELD: Mp = [
  {
    pairs: [
      ['id', 2],
      ['path', 'a'],
      ['token', 9],
    ],
  },
];

/** One well-formed frame of each type, both directions, with every optional field. */
const TEMPLATES: readonly Pairs[] = [
  [
    ['t', 'hello'],
    ['v', 1],
    ['ttlMs', 5000],
    ['session', 's'],
    ['secret', 'k'],
    ['name', 'w'],
  ],
  [
    ['t', 'hello'],
    ['v', 1],
  ],
  [
    ['t', 'hb'],
    ['id', 1],
  ],
  [
    ['t', 'acquire'],
    ['id', 2],
    ['path', 'p'],
    ['wait', true],
    ['timeoutMs', 0],
    ['consistency', 'strict'],
    ['quiet', true],
  ],
  [
    ['t', 'release'],
    ['id', 3],
    ['path', 'p'],
    ['token', 1],
    ['quiet', false],
  ],
  [
    ['t', 'cancel'],
    ['id', 4],
    ['target', 2],
  ],
  [
    ['t', 'bye'],
    ['id', 5],
  ],
  [
    ['t', 'welcome'],
    ['v', 1],
    ['session', 's'],
    ['secret', 'k'],
    ['ttlMs', 10_000],
    ['resumed', true],
    ['held', HELD],
  ],
  [
    ['t', 'grant'],
    ['id', 2],
    ['path', 'a'],
    ['token', 9],
  ],
  [
    ['t', 'queued'],
    ['id', 3],
    ['position', 1],
  ],
  [
    ['t', 'busy'],
    ['id', 4],
  ],
  [
    ['t', 'ok'],
    ['id', 5],
  ],
  [
    ['t', 'error'],
    ['id', 6],
    ['code', 'NOT_HOLDER'],
    ['message', 'no'],
  ],
  [
    ['t', 'redirect'],
    ['url', 'ws://127.0.0.1:1'],
  ],
  [
    ['t', 'lost'],
    ['path', 'a'],
    ['token', 9],
    ['reason', 'revoked'],
  ],
];

/**
 * A well-formed frame with up to two fields changed (to a hostile value, or
 * dropped) and up to two added: reaches every branch of the guards, and is
 * sometimes still valid.
 */
export const nearValid: fc.Arbitrary<Mp> = fc
  .tuple(
    fc.constantFrom(...TEMPLATES),
    fc.array(fc.tuple(fc.nat(), fc.option(fieldValue, { freq: 4 })), { maxLength: 2 }),
    fc.array(fc.tuple(key, fieldValue), { maxLength: 2 }),
  )
  .map(([template, edits, extra]) => {
    const pairs: (readonly [Mp, Mp] | null)[] = [...template];
    for (const [at, value] of edits) {
      const i = at % pairs.length;
      const pair = pairs[i];
      if (pair) pairs[i] = value === null ? null : [pair[0], value];
    }
    return { pairs: [...pairs.filter((p) => p !== null), ...extra] };
  });

/** One well-formed list frame of each code (PROTOCOL.md, "Compact frames"), and a code no frame has. */
const LIST_TEMPLATES: readonly Mp[][] = [
  [1, 2, 'p', true],
  [2, 3, 'p', 1],
  [3, 2, 'a', 9],
  [4, 2, 'a', 9],
];

/** A well-formed list frame with up to two items changed or dropped, and up to one added. */
export const nearValidList: fc.Arbitrary<Mp> = fc
  .tuple(
    fc.constantFrom(...LIST_TEMPLATES),
    fc.array(fc.tuple(fc.nat(), fc.boolean(), fieldValue), { maxLength: 2 }),
    fc.array(fieldValue, { maxLength: 1 }),
  )
  .map(([template, edits, extra]) => {
    const items: { value: Mp }[] = template.map((value) => ({ value }));
    const dropped = new Set<number>();
    for (const [at, drop, value] of edits) {
      if (drop) dropped.add(at % items.length);
      else items[at % items.length] = { value };
    }
    return [...items.filter((_, i) => !dropped.has(i)).map((item) => item.value), ...extra];
  });

/** The bytes of a hostile frame: near-valid and frame-like maps and lists, anything at all, deep nesting. */
export const hostileFrameBytes: fc.Arbitrary<Uint8Array> = fc
  .oneof(
    { weight: 5, arbitrary: nearValid },
    { weight: 2, arbitrary: nearValidList },
    { weight: 3, arbitrary: frameLike },
    { weight: 2, arbitrary: anyMsgpack },
    { weight: 1, arbitrary: deep },
  )
  .map(writeMsgpack);
