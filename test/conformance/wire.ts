/**
 * The protocol's names and numbers, written here as PROTOCOL.md states them
 * and not imported from shared/: the conformance tests speak the protocol
 * the way a client in another language would, from the document alone.
 * `protocol-doc.test.ts` checks these against the document's tables.
 */

/** `hello.v` and `welcome.v`. */
export const PROTOCOL_VERSION = 1;

/** The broker's own close codes, by the names of PROTOCOL.md's table. */
export const CLOSE = {
  sessionEnded: 4000,
  replaced: 4001,
  protocol: 4002,
  unauthenticated: 4003,
  slowConsumer: 4008,
  rateLimited: 4009,
  shutdown: 4010,
  unsupportedVersion: 4011,
  notLeader: 4012,
  internal: 4013,
} as const;

/** Close codes of the WebSocket standard the broker sends. */
export const STANDARD_CLOSE = { messageTooBig: 1009, tryAgainLater: 1013 } as const;

/** Every error code of PROTOCOL.md's table. */
export const ERROR_CODES = [
  'TIMEOUT',
  'ABORTED',
  'FLIGHT_FAILED',
  'INVALID_PATH',
  'INVALID_OPTION',
  'NOT_HOLDER',
  'SESSION_EXPIRED',
  'LIMIT_EXCEEDED',
  'RATE_LIMITED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'LOCK_LOST',
  'PROTOCOL',
  'UNSUPPORTED_VERSION',
  'CLOSED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Frame types (`t`) by direction. */
export const CLIENT_FRAMES = [
  'hello',
  'acquire',
  'release',
  'cancel',
  'check',
  'watch',
  'unwatch',
  'position',
  'hb',
  'bye',
] as const;
export const SERVER_FRAMES = [
  'welcome',
  'grant',
  'queued',
  'busy',
  'ok',
  'error',
  'leader',
  'result',
  'lost',
  'redirect',
] as const;

/** The first item of each list frame (PROTOCOL.md, "Compact frames"). */
export const LIST_CODES = { acquire: 1, release: 2, grant: 3 } as const;

/** A decoded frame from the broker: a map with string keys. */
export type Frame = Readonly<Record<string, unknown>> & { t: string };

/**
 * The hello `{t: "hello", v: 1, ttlMs: 10000}` byte for byte, as PROTOCOL.md
 * spells it: what a plain msgpack encoder writes (a fixmap), not msgpackr.
 */
export const HELLO_EXAMPLE_HEX = '83 a1 74 a5 68 65 6c 6c 6f a1 76 01 a5 74 74 6c 4d 73 cd 27 10';
