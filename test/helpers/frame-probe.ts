import { CLOSE_CODES } from '../../shared/protocol.js';
import { writeMsgpack } from './msgpack-writer.js';

/**
 * A frame that tells when the broker is through with those sent before it:
 * an unknown type with a request id, answered with a PROTOCOL error naming
 * that id, before or after hello, without closing the connection.
 */
export function probeFrame(id: number): Uint8Array {
  return writeMsgpack({
    pairs: [
      ['t', 'probe'],
      ['id', id],
    ],
  });
}

/** Probe ids start here, above any id a hostile frame is likely to carry. */
export const FIRST_PROBE_ID = 2 ** 50;

/**
 * How a broker may close a connection that sent hostile frames: the
 * protocol's own codes, and 1009 for a frame over `maxFrameBytes`. Never
 * `internal` (4013), 1006 (dropped without a close) or 1011 (an error in `ws`).
 */
export const EXPECTED_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.sessionEnded,
  CLOSE_CODES.protocol,
  CLOSE_CODES.unsupportedVersion,
  CLOSE_CODES.notLeader,
  1009,
]);
