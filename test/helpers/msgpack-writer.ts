/**
 * A msgpack value as a test spells it, down to the bytes: unlike a value
 * handed to msgpackr's `pack`, it can carry a `__proto__` key, a map for a
 * key, an int64 that JavaScript numbers cannot hold, any extension type, and
 * bytes that are no msgpack at all.
 */
export type Mp =
  | null
  /** Written as msgpackr's "undefined" (fixext 1, type 0). */
  | undefined
  | boolean
  /** Integers take the shortest int encoding; the rest (NaN, -0, 1.5…) float 64. */
  | number
  /** uint 64 from 0 up, int 64 below; wrapped to 64 bits. */
  | bigint
  | string
  | Uint8Array
  | readonly Mp[]
  | { readonly pairs: readonly (readonly [Mp, Mp])[] }
  | { readonly ext: number; readonly data: Uint8Array }
  /** Encodings written back to back: an extension that reads the value after it. */
  | { readonly seq: readonly Mp[] }
  /** Bytes as they are. */
  | { readonly raw: Uint8Array };

const utf8 = new TextEncoder();

/** The bytes of `value`. */
export function writeMsgpack(value: Mp): Uint8Array {
  const out: number[] = [];
  write(out, value);
  return Uint8Array.from(out);
}

function write(out: number[], v: Mp): void {
  if (v === null) return void out.push(0xc0);
  if (v === undefined) return void out.push(0xd4, 0x00, 0x00);
  if (typeof v === 'boolean') return void out.push(v ? 0xc3 : 0xc2);
  if (typeof v === 'number') return writeNumber(out, v);
  if (typeof v === 'bigint') return writeInt64(out, v);
  if (typeof v === 'string') return writeBytes(out, utf8.encode(v), [0xd9, 0xda, 0xdb], 0xa0);
  if (v instanceof Uint8Array) return writeBytes(out, v, [0xc4, 0xc5, 0xc6]);
  if (isList(v)) {
    writeHeader(out, v.length, 0x90, 0xdc, 0xdd);
    for (const item of v as readonly Mp[]) write(out, item);
    return;
  }
  if ('pairs' in v) {
    writeHeader(out, v.pairs.length, 0x80, 0xde, 0xdf);
    for (const [key, value] of v.pairs) {
      write(out, key);
      write(out, value);
    }
    return;
  }
  if ('ext' in v) return writeExt(out, v.ext, v.data);
  if ('seq' in v) {
    for (const item of v.seq) write(out, item);
    return;
  }
  for (const b of v.raw) out.push(b);
}

// Array.isArray does not narrow a readonly array type.
function isList(v: Mp): v is readonly Mp[] {
  return Array.isArray(v);
}

function writeNumber(out: number[], n: number): void {
  if (!Number.isInteger(n) || Object.is(n, -0) || Math.abs(n) > 2 ** 63) {
    out.push(0xcb);
    return pushView(out, 8, (d) => d.setFloat64(0, n));
  }
  if (n >= 0 && n < 0x80) return void out.push(n);
  if (n < 0 && n >= -32) return void out.push(n & 0xff);
  writeInt64(out, BigInt(n));
}

function writeInt64(out: number[], n: bigint): void {
  if (n >= 0n) {
    out.push(0xcf);
    return pushView(out, 8, (d) => d.setBigUint64(0, BigInt.asUintN(64, n)));
  }
  out.push(0xd3);
  pushView(out, 8, (d) => d.setBigInt64(0, BigInt.asIntN(64, n)));
}

/** A str (with `fix` as its fixstr base) or bin: the shortest header that holds the length. */
function writeBytes(
  out: number[],
  bytes: Uint8Array,
  [h8, h16, h32]: number[],
  fix?: number,
): void {
  const n = bytes.length;
  if (fix !== undefined && n < 32) out.push(fix + n);
  else if (n < 0x100) out.push(h8 as number, n);
  else if (n < 0x10000) out.push(h16 as number, n >> 8, n & 0xff);
  else pushU32(out, h32 as number, n);
  for (const b of bytes) out.push(b);
}

function writeHeader(out: number[], n: number, fix: number, h16: number, h32: number): void {
  if (n < 16) out.push(fix + n);
  else if (n < 0x10000) out.push(h16, n >> 8, n & 0xff);
  else pushU32(out, h32, n);
}

function writeExt(out: number[], type: number, data: Uint8Array): void {
  const fixed = [1, 2, 4, 8, 16].indexOf(data.length);
  if (fixed >= 0) out.push(0xd4 + fixed, type & 0xff);
  else if (data.length < 0x100) out.push(0xc7, data.length, type & 0xff);
  else if (data.length < 0x10000) out.push(0xc8, data.length >> 8, data.length & 0xff, type & 0xff);
  else {
    pushU32(out, 0xc9, data.length);
    out.push(type & 0xff);
  }
  for (const b of data) out.push(b);
}

function pushU32(out: number[], header: number, n: number): void {
  out.push(header);
  pushView(out, 4, (d) => d.setUint32(0, n));
}

function pushView(out: number[], size: number, set: (d: DataView) => void): void {
  const view = new DataView(new ArrayBuffer(size));
  set(view);
  for (let i = 0; i < size; i++) out.push(view.getUint8(i));
}

/** A header claiming `length` items or bytes, whatever follows: `kind` picks the type. */
export function lengthHeader(kind: 'str' | 'bin' | 'array' | 'map' | 'ext', length: number): Mp {
  const header = { str: 0xdb, bin: 0xc6, array: 0xdd, map: 0xdf, ext: 0xc9 }[kind];
  const out: number[] = [];
  pushU32(out, header, length >>> 0);
  if (kind === 'ext') out.push(0x01);
  return { raw: Uint8Array.from(out) };
}
