import type { ErrorCode, LockLostReason } from '../../shared/errors.js';
import type { HeldLock } from '../../shared/protocol.js';
import type { Hold } from './lock-state.js';

/** A hello was accepted: the session is new or resumed. */
export interface WelcomeEffect {
  type: 'welcome';
  sessionId: string;
  secret: string;
  ttlMs: number;
  resumed: boolean;
  held: HeldLock[];
}
/** A hello was refused; the shell answers the connection and closes it. */
export interface RefusedEffect {
  type: 'refused';
  code: ErrorCode;
  message: string;
}
export interface GrantEffect {
  type: 'grant';
  sessionId: string;
  requestId: number;
  path: string;
  token: number;
  /** Set for strict grants: the shell pushes them once the journal holding them is durable. */
  strict?: true;
  /** Set for grants to a waiter: how long it waited, and when (monotonic ms) the grant was made. */
  waitedMs?: number;
  madeAt?: number;
  /** The answer to a retried acquire: this grant was made (and counted) before. */
  repeat?: true;
}
export interface QueuedEffect {
  type: 'queued';
  sessionId: string;
  requestId: number;
  /** 1 = next in line; absent when a retried acquire finds its waiter already queued. */
  position?: number;
  /** How long that place may wait at the path's recent pace of grants; absent before there is one. */
  etaMs?: number;
}
export interface BusyEffect {
  type: 'busy';
  sessionId: string;
  requestId: number;
}
export interface OkEffect {
  type: 'ok';
  sessionId: string;
  requestId: number;
}
export interface ErrorEffect {
  type: 'error';
  sessionId: string;
  requestId: number;
  code: ErrorCode;
  message: string;
}
/** A lock was taken from its holder without the holder asking. */
export interface LostEffect {
  type: 'lost';
  sessionId: string;
  path: string;
  token: number;
  reason: LockLostReason;
}
/** A session is over; the shell closes its connection. */
export interface EndedEffect {
  type: 'ended';
  sessionId: string;
  reason: 'closed' | 'expired' | 'forced';
}
/**
 * The table is running low on fencing tokens: the shell must durably reserve
 * a block above `issuedUpTo` and hand it back with `addTokens`.
 */
export interface ReserveTokensEffect {
  type: 'reserveTokens';
  issuedUpTo: number;
}

/** A single-flight waiter is answered with the run's outcome (opaque to the table) and leaves. */
export interface AnsweredEffect {
  type: 'answered';
  sessionId: string;
  requestId: number;
  outcome: FlightOutcome;
}
/** What a single-flight run came to: its value's bytes, or why it failed. */
export type FlightOutcome = { data: Uint8Array } | { failure: string };

export type Effect =
  | WelcomeEffect
  | AnsweredEffect
  | RefusedEffect
  | GrantEffect
  | QueuedEffect
  | BusyEffect
  | OkEffect
  | ErrorEffect
  | LostEffect
  | EndedEffect
  | ReserveTokensEffect;

/** The grant effect of a hold. */
export function grantOf(h: Hold): GrantEffect {
  const { session, requestId, lock, token } = h;
  const grant: GrantEffect = {
    type: 'grant',
    sessionId: session.id,
    requestId,
    path: lock.path,
    token,
  };
  if (h.strict) grant.strict = true;
  return grant;
}

/** An error answer to one request. */
export function errorOf(
  sessionId: string,
  requestId: number,
  code: ErrorCode,
  message: string,
): Effect {
  return { type: 'error', sessionId, requestId, code, message };
}
