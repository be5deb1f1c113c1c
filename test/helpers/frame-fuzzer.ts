import { encodeFrame } from '../../shared/codec.js';
import { PROTOCOL_VERSION, type ClientFrame } from '../../shared/protocol.js';
import { HOSTILE_KEYS } from './hostile-values.js';
import { lengthHeader, writeMsgpack, type Mp } from './msgpack-writer.js';

/** A small seeded generator (xorshift32): the same seed gives the same frames. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  u32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }

  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/** How a fuzz frame was made. */
export const FUZZ_KINDS = [
  'valid',
  'mutated',
  'bitflip',
  'truncated',
  'random',
  'oversize',
  'deep',
  'extension',
  'hostile-map',
] as const;
export type FuzzKind = (typeof FUZZ_KINDS)[number];

/** A valid client frame: mostly requests, a hello now and then, rarely a bye. */
function validFrame(rng: Prng): ClientFrame {
  const id = 1 + rng.below(1_000);
  const path = rng.pick(['a', 'b', 'fuzz/x', 'é'.repeat(rng.below(300)), 'p\u0000', '']);
  switch (rng.below(12)) {
    case 0:
      return {
        t: 'hello',
        v: rng.chance(0.9) ? PROTOCOL_VERSION : rng.below(5),
        ttlMs: 1 + rng.below(60_000),
      };
    case 1:
    case 2:
      return { t: 'hb', id };
    case 3:
    case 4:
    case 5:
      return {
        t: 'acquire',
        id,
        path,
        wait: rng.chance(0.5),
        timeoutMs: rng.below(100),
        quiet: rng.chance(0.5),
      };
    case 6:
    case 7:
      return { t: 'release', id, path, token: rng.below(2 ** 20) };
    case 8:
    case 9:
      return { t: 'cancel', id, target: 1 + rng.below(1_000) };
    case 10:
      return rng.chance(0.1) ? { t: 'bye', id } : { t: 'hb', id };
    default:
      return {
        t: 'acquire',
        id,
        path: 'fuzz/shared',
        wait: false,
        consistency: rng.pick(['efficient', 'strict']),
      };
  }
}

function mutate(rng: Prng, bytes: Uint8Array): Uint8Array {
  const out = Array.from(bytes);
  for (let edits = 1 + rng.below(4); edits > 0; edits--) {
    const at = rng.below(out.length + 1);
    switch (rng.below(4)) {
      case 0:
        out[at] = rng.u32() & 0xff;
        break;
      case 1:
        out.splice(at, 0, ...rng.bytes(1 + rng.below(4)));
        break;
      case 2:
        out.splice(at, 1 + rng.below(3));
        break;
      default:
        // A msgpack type byte where a value was: headers, extensions, nil, reserved 0xc1.
        out[at] = rng.pick([
          0xc1, 0xc0, 0xd4, 0xd5, 0xc7, 0xc9, 0xdb, 0xdd, 0xdf, 0xcf, 0xd3, 0x40,
        ]);
    }
  }
  return Uint8Array.from(out.slice(0, 20_000));
}

function bitflip(rng: Prng, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  for (let flips = 1 + rng.below(3); flips > 0; flips--) {
    const at = rng.below(out.length);
    out[at] = (out[at] as number) ^ (1 << rng.below(8));
  }
  return out;
}

/** A value that tells lies about its length, where a field's value or the frame should be. */
function oversize(rng: Prng): Mp {
  const kind = rng.pick(['str', 'bin', 'array', 'map', 'ext'] as const);
  const claim = rng.pick([0xffffffff, 0x7fffffff, 0x10000, 1 + rng.below(2 ** 31)]);
  const lie = { seq: [lengthHeader(kind, claim), { raw: rng.bytes(rng.below(8)) }] };
  if (rng.chance(0.3)) return lie;
  return {
    pairs: [
      ['t', rng.pick(['acquire', 'release', 'hello'])],
      ['id', 1],
      [rng.pick(['path', 'id', 'v']), lie],
    ],
  };
}

function deep(rng: Prng): Uint8Array {
  const depth = 1 + rng.below(rng.chance(0.5) ? 100 : 15_000);
  const open = rng.pick([[0x91], [0x81, 0xa1, 0x74], [0xd4, 0x73, 0x00, 0x91]]);
  const inner = rng.chance(0.5) ? encodeFrame(validFrame(rng)) : Uint8Array.of(0xc0);
  const out = new Uint8Array(depth * open.length + inner.length);
  for (let i = 0; i < depth; i++) out.set(open, i * open.length);
  out.set(inner, depth * open.length);
  return out;
}

/** msgpackr's extension types, and others, with payloads and following values at random. */
function extension(rng: Prng): Mp {
  const type = rng.pick([
    0x00,
    0x42,
    0x62,
    0x65,
    0x69,
    0x70,
    0x72,
    0x73,
    0x74,
    0x78,
    0xff,
    rng.below(256),
  ]);
  const size = rng.pick([1, 2, 4, 8, 12, 16, rng.below(40)]);
  const ext: Mp = { ext: type, data: rng.bytes(size) };
  const after: Mp[] = [];
  if (type === 0x72) after.push(HOSTILE_KEYS.slice(0, 1 + rng.below(4)), 'hb', 1);
  if ([0x65, 0x73, 0x78].includes(type)) after.push(rng.chance(0.5) ? ['TypeError', 'x'] : 'x');
  const value: Mp = { seq: [ext, ...after] };
  if (rng.chance(0.4)) return value;
  // Used again through a record fixint, or as a field.
  if (type === 0x72 && rng.chance(0.5))
    return [value, { seq: [{ raw: Uint8Array.of(0x40) }, 'ok'] }];
  return {
    pairs: [
      ['t', rng.pick(['hb', 'acquire', 'hello'])],
      [rng.pick(HOSTILE_KEYS), value],
    ],
  };
}

const ODD_VALUES: readonly Mp[] = [
  { pairs: [['toString', 1]] },
  {
    pairs: [
      ['valueOf', 1],
      ['toString', 2],
    ],
  },
  {
    pairs: [
      [
        '__proto__',
        {
          pairs: [
            ['t', 'hb'],
            ['id', 1],
          ],
        },
      ],
    ],
  },
  2n ** 64n - 1n,
  2n ** 53n,
  -1n,
  NaN,
  Infinity,
  -0,
  1.5,
  -5,
  2 ** 53,
  '',
  'x'.repeat(3_000),
  null,
  undefined,
  true,
  Uint8Array.of(1, 2, 3),
  [],
  [1, [2, [3]]],
];

/** Maps whose conversion to a string throws, as the reported frame's type was, half the time. */
function oddValue(rng: Prng): Mp {
  return rng.chance(0.5) ? rng.pick(ODD_VALUES.slice(0, 3)) : rng.pick(ODD_VALUES);
}

const FRAME_TYPES = ['hello', 'hb', 'acquire', 'release', 'cancel', 'bye'];

/** A map with the keys that trip careless code, holding odd values. */
function hostileMap(rng: Prng): Mp {
  const pairs: [Mp, Mp][] = [['t', rng.chance(0.6) ? rng.pick(FRAME_TYPES) : oddValue(rng)]];
  for (let n = rng.below(6); n > 0; n--) {
    pairs.push([rng.pick(HOSTILE_KEYS), rng.chance(0.5) ? oddValue(rng) : 1 + rng.below(10)]);
  }
  return { pairs };
}

/** One fuzz frame of the given kind. */
export function fuzzFrame(rng: Prng, kind: FuzzKind): Uint8Array {
  switch (kind) {
    case 'valid':
      return encodeFrame(validFrame(rng));
    case 'mutated':
      return mutate(rng, encodeFrame(validFrame(rng)));
    case 'bitflip':
      return bitflip(rng, encodeFrame(validFrame(rng)));
    case 'truncated': {
      const bytes = encodeFrame(validFrame(rng));
      return bytes.subarray(0, rng.below(bytes.length));
    }
    case 'random':
      return rng.bytes(rng.chance(0.9) ? rng.below(64) : rng.below(4_096));
    case 'oversize':
      return writeMsgpack(oversize(rng));
    case 'deep':
      return deep(rng);
    case 'extension':
      return writeMsgpack(extension(rng));
    case 'hostile-map':
      return writeMsgpack(hostileMap(rng));
  }
}
