import { Packr } from 'msgpackr';
import type { ClientFrame, ServerFrame } from './protocol.js';

// The one place msgpack settings live. Records are off so that any msgpack
// reader, in any language, can decode a Baton frame; maps decode to plain
// objects, never to `Map`.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

/** Encodes a frame for the wire. */
export function encodeFrame(frame: ClientFrame | ServerFrame): Uint8Array {
  return packr.pack(frame);
}

/**
 * Decodes one binary message. Throws on bytes that are not a single msgpack
 * value; the result is untrusted until a guard in `protocol.ts` accepts it.
 */
export function decodeFrame(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}
