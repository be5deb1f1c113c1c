import { Packr } from 'msgpackr';
import { LIST_CODES, type ClientFrame, type ServerFrame } from './protocol.js';

// The one place msgpack settings live. Records are off so that any msgpack
// reader, in any language, can decode a Baton frame; maps decode to plain
// objects, never to `Map` (msgpackr renames a `__proto__` key to `__proto_`,
// so a map cannot set an object's prototype).
//
// Decoding settings matter as much, since the bytes come from peers:
// - no `structures` or `getStructures` (nor `trusted`): msgpackr always
//   honours a record definition (ext 0x72) in the bytes, but then it lives
//   only while that frame is decoded, so one client cannot change how the
//   next frame, or another client's, decodes (test/shared/codec.test.ts);
// - `structuredClone: false`: the reference extensions (0x69, 0x70) would let
//   a frame decode to a cyclic value;
// - `int64AsType: 'number'`: other writers use int64 for small numbers; past
//   2^53 the number is not a safe integer, and the guards refuse it.
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  moreTypes: false,
  structuredClone: false,
  int64AsType: 'number',
});

/**
 * Encodes a frame for the wire; with `compact` (the peer reads them), in its
 * list form when it has one.
 */
export function encodeFrame(frame: ClientFrame | ServerFrame, compact = false): Uint8Array {
  return packr.pack((compact && listOf(frame)) || frame);
}

/**
 * The list form of `frame` (LIST_CODES), or null. Only a frame with exactly
 * the fields of its list has one: a field added to it later keeps it a map.
 */
function listOf(frame: ClientFrame | ServerFrame): unknown[] | null {
  switch (frame.t) {
    case 'acquire':
      return frame.quiet === true && fieldCount(frame) === 5
        ? [LIST_CODES.acquire, frame.id, frame.path, frame.wait]
        : null;
    case 'release':
      return frame.quiet === true && fieldCount(frame) === 5
        ? [LIST_CODES.release, frame.id, frame.path, frame.token]
        : null;
    case 'grant':
      return fieldCount(frame) === 4 ? [LIST_CODES.grant, frame.id, frame.path, frame.token] : null;
    default:
      return null;
  }
}

/** How many own enumerable fields `o` has, without making a list of them. */
function fieldCount(o: object): number {
  let n = 0;
  for (const key in o) if (Object.hasOwn(o, key)) n++;
  return n;
}

/**
 * Decodes one binary message. Throws on bytes that are not a single msgpack
 * value (and on some that are: a map with a map for a key, nesting deeper than
 * the stack). Whatever it returns, a map or not, is untrusted until a guard in
 * `protocol.ts` accepts it.
 */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/**
 * A value a client shares through the broker (a single-flight run's), as
 * msgpack with the frames' settings, so any client decodes it as it was.
 */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/** Decodes a shared value; throws on bytes that are not one msgpack value. */
export function decodeValue(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
