import { isErrorCode, type ErrorCode, type LockLostReason } from './errors.js';

/** Bumped on any change a peer of the previous version could not read. */
export const PROTOCOL_VERSION = 1;

/** WebSocket close codes the broker uses, with the reason text beside them. */
export const CLOSE_CODES = {
  /** The session ended (closed by the client, expired, or ended by an admin). */
  sessionEnded: 4000,
  /** The session was resumed on a newer connection; this one is stale. */
  replaced: 4001,
  /** The peer broke the protocol in a way that leaves nothing to talk about. */
  protocol: 4002,
  /** The client stopped reading and its backlog passed the limit. */
  slowConsumer: 4008,
  /** The broker is shutting down. */
  shutdown: 4010,
  /** The peer speaks another protocol version. */
  unsupportedVersion: 4011,
  /** This broker is a standby (or was deposed); a redirect frame names the active one. */
  notLeader: 4012,
} as const;

/** How durable a grant is; see the README. */
export type Consistency = 'efficient' | 'strict';

// ---- client → broker ------------------------------------------------------

/** Opens a new session, or resumes one when `session` and `secret` are given. */
export interface HelloFrame {
  t: 'hello';
  v: number;
  ttlMs?: number;
  session?: string;
  secret?: string;
  name?: string;
}
/** App-level heartbeat: browsers cannot send WebSocket pings. */
export interface HeartbeatFrame {
  t: 'hb';
  id: number;
}
/** Asks for a lock. `wait: false` is tryAcquire: grant now or `busy`, never queue. */
export interface AcquireFrame {
  t: 'acquire';
  id: number;
  path: string;
  wait: boolean;
  timeoutMs?: number;
  /** Absent: the broker's default for the path. */
  consistency?: Consistency;
  /** true: no `queued` frame when the acquire has to wait; only its grant or error follows. */
  quiet?: boolean;
}
export interface ReleaseFrame {
  t: 'release';
  id: number;
  path: string;
  token: number;
  /** true: no `ok` when the release succeeds (an error is still answered). */
  quiet?: boolean;
}
/** Withdraws acquire `target`: removes its waiter, or releases the lock if it was granted. */
export interface CancelFrame {
  t: 'cancel';
  id: number;
  target: number;
}
/** Ends the session: everything held is released, every wait dropped. */
export interface ByeFrame {
  t: 'bye';
  id: number;
}

export type ClientFrame =
  HelloFrame | HeartbeatFrame | AcquireFrame | ReleaseFrame | CancelFrame | ByeFrame;

// ---- broker → client ------------------------------------------------------

/** A lock the session holds, as told on resume. */
export interface HeldLock {
  id: number;
  path: string;
  token: number;
}
export interface WelcomeFrame {
  t: 'welcome';
  v: number;
  session: string;
  secret: string;
  ttlMs: number;
  resumed: boolean;
  held: HeldLock[];
}
/** Acquire `id` holds `path` with fencing `token`; sent at once or pushed later. */
export interface GrantFrame {
  t: 'grant';
  id: number;
  path: string;
  token: number;
}
/** Acquire `id` waits; `position` (1 = next) is told at enqueue only. */
export interface QueuedFrame {
  t: 'queued';
  id: number;
  position?: number;
}
/** A tryAcquire found the lock taken. */
export interface BusyFrame {
  t: 'busy';
  id: number;
}
export interface OkFrame {
  t: 'ok';
  id: number;
}
export interface ErrorFrame {
  t: 'error';
  id?: number;
  code: ErrorCode;
  message: string;
}
/** This broker does not serve grants; `url` is the active broker's, when known. */
export interface RedirectFrame {
  t: 'redirect';
  url?: string;
}
/** A lock the session held was taken from it. */
export interface LostFrame {
  t: 'lost';
  path: string;
  token: number;
  reason: LockLostReason;
}

export type ServerFrame =
  | WelcomeFrame
  | GrantFrame
  | QueuedFrame
  | BusyFrame
  | OkFrame
  | ErrorFrame
  | LostFrame
  | RedirectFrame;

// ---- runtime guards ---------------------------------------------------------

/** Bounds the guards apply before a frame is trusted. */
export const FRAME_LIMITS = {
  /** Longer strings are refused before the path rules run (they count bytes). */
  maxPathChars: 2048,
  maxSessionIdChars: 64,
  maxNameChars: 128,
  /** About 24.8 days: the longest delay a Node timer takes. */
  maxTimeoutMs: 2_147_483_647,
} as const;

export type GuardResult<F> = { ok: true; frame: F } | { ok: false; id?: number; message: string };

class FrameShapeError extends Error {}

function fail(message: string): never {
  throw new FrameShapeError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function safeInt(v: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    fail(`'${field}' must be an integer from ${min} to ${max}`);
  }
  return v;
}

function optionalInt(v: unknown, field: string, min: number, max: number): number | undefined {
  return v === undefined || v === null ? undefined : safeInt(v, field, min, max);
}

function str(v: unknown, field: string, maxChars: number): string {
  if (typeof v !== 'string' || v.length > maxChars) {
    fail(`'${field}' must be a string of at most ${maxChars} characters`);
  }
  return v;
}

function optionalStr(v: unknown, field: string, maxChars: number): string | undefined {
  return v === undefined || v === null ? undefined : str(v, field, maxChars);
}

function optionalFlag(v: unknown, field: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(`'${field}' must be a boolean`);
  return v;
}

function requestId(v: unknown): number {
  return safeInt(v, 'id', 1);
}

function readClientFrame(m: Record<string, unknown>): ClientFrame {
  switch (m.t) {
    case 'hello': {
      const frame: HelloFrame = { t: 'hello', v: safeInt(m.v, 'v', 0) };
      const ttlMs = optionalInt(m.ttlMs, 'ttlMs', 1, FRAME_LIMITS.maxTimeoutMs);
      const session = optionalStr(m.session, 'session', FRAME_LIMITS.maxSessionIdChars);
      const secret = optionalStr(m.secret, 'secret', FRAME_LIMITS.maxSessionIdChars);
      const name = optionalStr(m.name, 'name', FRAME_LIMITS.maxNameChars);
      // Names are shown in consoles and terminals: no escape sequences.
      if (name !== undefined && /[\u0000-\u001f\u007f-\u009f]/.test(name)) {
        fail("'name' may not hold control characters");
      }
      if ((session === undefined) !== (secret === undefined)) {
        fail("'session' and 'secret' go together");
      }
      if (ttlMs !== undefined) frame.ttlMs = ttlMs;
      if (session !== undefined && secret !== undefined) {
        frame.session = session;
        frame.secret = secret;
      }
      if (name !== undefined) frame.name = name;
      return frame;
    }
    case 'hb':
      return { t: 'hb', id: requestId(m.id) };
    case 'acquire': {
      const id = requestId(m.id);
      if (typeof m.wait !== 'boolean') fail("'wait' must be a boolean");
      const frame: AcquireFrame = {
        t: 'acquire',
        id,
        path: str(m.path, 'path', FRAME_LIMITS.maxPathChars),
        wait: m.wait,
      };
      const timeoutMs = optionalInt(m.timeoutMs, 'timeoutMs', 0, FRAME_LIMITS.maxTimeoutMs);
      if (timeoutMs !== undefined) frame.timeoutMs = timeoutMs;
      if (m.consistency === 'efficient' || m.consistency === 'strict') {
        frame.consistency = m.consistency;
      } else if (m.consistency !== undefined && m.consistency !== null) {
        fail("'consistency' must be 'efficient' or 'strict'");
      }
      if (optionalFlag(m.quiet, 'quiet')) frame.quiet = true;
      return frame;
    }
    case 'release': {
      const frame: ReleaseFrame = {
        t: 'release',
        id: requestId(m.id),
        path: str(m.path, 'path', FRAME_LIMITS.maxPathChars),
        token: safeInt(m.token, 'token', 0),
      };
      if (optionalFlag(m.quiet, 'quiet')) frame.quiet = true;
      return frame;
    }
    case 'cancel':
      return { t: 'cancel', id: requestId(m.id), target: safeInt(m.target, 'target', 1) };
    case 'bye':
      return { t: 'bye', id: requestId(m.id) };
    default:
      return fail(`unknown frame type ${JSON.stringify(String(m.t)).slice(0, 40)}`);
  }
}

/**
 * Checks a decoded message from a client. On failure it says why, and gives
 * the request id when one could be read so the error can answer that request.
 */
export function guardClientFrame(message: unknown): GuardResult<ClientFrame> {
  if (!isRecord(message)) return { ok: false, message: 'a frame must be a map' };
  try {
    return { ok: true, frame: readClientFrame(message) };
  } catch (err) {
    if (!(err instanceof FrameShapeError)) throw err;
    const id = message.id;
    const bad = { ok: false as const, message: `bad '${String(message.t)}' frame: ${err.message}` };
    return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? { ...bad, id } : bad;
  }
}

function readHeld(v: unknown): HeldLock[] {
  if (!Array.isArray(v)) fail("'held' must be a list");
  return v.map((h: unknown) => {
    if (!isRecord(h)) fail("'held' entries must be maps");
    return {
      id: requestId(h.id),
      path: str(h.path, 'path', FRAME_LIMITS.maxPathChars),
      token: safeInt(h.token, 'token', 0),
    };
  });
}

const LOST_REASONS: ReadonlySet<string> = new Set<LockLostReason>([
  'lease-expired',
  'session-expired',
  'revoked',
  'closed',
]);

function readServerFrame(m: Record<string, unknown>): ServerFrame {
  switch (m.t) {
    case 'welcome':
      return {
        t: 'welcome',
        v: safeInt(m.v, 'v', 0),
        session: str(m.session, 'session', FRAME_LIMITS.maxSessionIdChars),
        secret: str(m.secret, 'secret', FRAME_LIMITS.maxSessionIdChars),
        ttlMs: safeInt(m.ttlMs, 'ttlMs', 1),
        resumed: m.resumed === true,
        held: readHeld(m.held),
      };
    case 'grant':
      return {
        t: 'grant',
        id: requestId(m.id),
        path: str(m.path, 'path', FRAME_LIMITS.maxPathChars),
        token: safeInt(m.token, 'token', 0),
      };
    case 'queued': {
      const frame: QueuedFrame = { t: 'queued', id: requestId(m.id) };
      const position = optionalInt(m.position, 'position', 1, Number.MAX_SAFE_INTEGER);
      if (position !== undefined) frame.position = position;
      return frame;
    }
    case 'busy':
    case 'ok':
      return { t: m.t, id: requestId(m.id) };
    case 'error': {
      const code = isErrorCode(m.code) ? m.code : 'INTERNAL';
      const frame: ErrorFrame = { t: 'error', code, message: str(m.message, 'message', 4096) };
      const id = optionalInt(m.id, 'id', 1, Number.MAX_SAFE_INTEGER);
      if (id !== undefined) frame.id = id;
      return frame;
    }
    case 'redirect': {
      const url = optionalStr(m.url, 'url', 2048);
      return url === undefined ? { t: 'redirect' } : { t: 'redirect', url };
    }
    case 'lost': {
      const reason = typeof m.reason === 'string' && LOST_REASONS.has(m.reason);
      return {
        t: 'lost',
        path: str(m.path, 'path', FRAME_LIMITS.maxPathChars),
        token: safeInt(m.token, 'token', 0),
        reason: reason ? (m.reason as LockLostReason) : 'revoked',
      };
    }
    default:
      return fail(`unknown frame type ${JSON.stringify(String(m.t)).slice(0, 40)}`);
  }
}

/** Checks a decoded message from the broker. */
export function guardServerFrame(message: unknown): GuardResult<ServerFrame> {
  if (!isRecord(message)) return { ok: false, message: 'a frame must be a map' };
  try {
    return { ok: true, frame: readServerFrame(message) };
  } catch (err) {
    if (!(err instanceof FrameShapeError)) throw err;
    return { ok: false, message: `bad '${String(message.t)}' frame: ${err.message}` };
  }
}
