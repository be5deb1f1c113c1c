/**
 * Every error code Baton reports. The same strings travel in error frames, so
 * the client can rebuild the right error class from a frame.
 */
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

const CODE_SET: ReadonlySet<string> = new Set(ERROR_CODES);

/** True when `value` is one of {@link ERROR_CODES}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODE_SET.has(value);
}

/** The base of every error Baton throws or rejects with. Branch on `code`. */
export class BatonError extends Error {
  override name = 'BatonError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An acquire did not get its lock within `timeoutMs`. */
export class TimeoutError extends BatonError {
  override name = 'TimeoutError';
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

/** Why a held lock can no longer be trusted. */
export type LockLostReason = 'lease-expired' | 'session-expired' | 'revoked' | 'closed';

/** A lock the client held is, or may be, no longer its own. */
export class LockLostError extends BatonError {
  override name = 'LockLostError';
  readonly reason: LockLostReason;
  constructor(reason: LockLostReason, message: string) {
    super('LOCK_LOST', message);
    this.reason = reason;
  }
}

/** A release named a lock this session does not hold (or a stale token). */
export class NotHolderError extends BatonError {
  override name = 'NotHolderError';
  constructor(message: string) {
    super('NOT_HOLDER', message);
  }
}

/** The client is closed, or its session is gone. */
export class ConnectionClosedError extends BatonError {
  override name = 'ConnectionClosedError';
  constructor(code: 'CLOSED' | 'SESSION_EXPIRED', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A frame broke the protocol. */
export class ProtocolError extends BatonError {
  override name = 'ProtocolError';
  constructor(message: string) {
    super('PROTOCOL', message);
  }
}

/** An options object had a bad property; the message names it. */
export class InvalidOptionError extends BatonError {
  override name = 'InvalidOptionError';
  constructor(message: string) {
    super('INVALID_OPTION', message);
  }
}

/** Rebuilds the most specific error class for a code received in a frame. */
export function errorFromCode(code: ErrorCode, message: string): BatonError {
  switch (code) {
    case 'TIMEOUT':
      return new TimeoutError(message);
    case 'NOT_HOLDER':
      return new NotHolderError(message);
    case 'LOCK_LOST':
      // From the broker, only for a grant it took back before it could be sent.
      return new LockLostError('revoked', message);
    case 'CLOSED':
    case 'SESSION_EXPIRED':
      return new ConnectionClosedError(code, message);
    case 'PROTOCOL':
      return new ProtocolError(message);
    case 'INVALID_OPTION':
      return new InvalidOptionError(message);
    default:
      return new BatonError(code, message);
  }
}
