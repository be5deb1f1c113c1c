import { hasControlChars } from './control-chars.js';
import { isErrorCode, type ErrorCode, type LockLostReason } from './errors.js';
import {
  describeValue,
  fail,
  field,
  FrameShapeError,
  isFields,
  optionalFlag,
  optionalInt,
  optionalStr,
  safeInt,
  str,
  type Fields,
} from './frame-fields.js';

/** Bumped on any change a peer of the previous version could not read. */
export const PROTOCOL_VERSION = 1;

/**
 * The list forms of the frames every lock cycle sends (PROTOCOL.md,
 * "Compact frames"): the code first, then the fields in a fixed order. A peer
 * sends them only to one that said it reads them (`compact` in hello and
 * welcome), so older peers never see one; they cut the msgpack work of a
 * cycle on both sides, since a list carries no keys.
 */
export const LIST_CODES = {
  /** `[1, id, path, wait]`: an acquire with `quiet: true` and no other field. */
  acquire: 1,
  /** `[2, id, path, token]`: a release with `quiet: true` and no outcome. */
  release: 2,
  /** `[3, id, path, token]`: a grant. */
  grant: 3,
} as const;

/** WebSocket close codes the broker uses, with the reason text beside them. */
export const CLOSE_CODES = {
  /** The session ended (closed by the client, expired, or ended by an admin). */
  sessionEnded: 4000,
  /** The session was resumed on a newer connection; this one is stale. */
  replaced: 4001,
  /** The peer broke the protocol in a way that leaves nothing to talk about. */
  protocol: 4002,
  /** No credential, or a wrong one: no session was made. */
  unauthenticated: 4003,
  /** The client sent faster than its rate limit allows, for too long. */
  rateLimited: 4009,
  /** The client stopped reading and its backlog passed the limit. */
  slowConsumer: 4008,
  /** The broker is shutting down. */
  shutdown: 4010,
  /** The peer speaks another protocol version. */
  unsupportedVersion: 4011,
  /** This broker is a standby (or was deposed); a redirect frame names the active one. */
  notLeader: 4012,
  /**
   * Handling the peer's frame failed in a way the broker did not foresee (a
   * bug): that connection is closed, after an INTERNAL error frame; the broker
   * and everyone else go on.
   */
  internal: 4013,
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
  /** The principal's token, when the broker asks for one (browsers cannot set headers at upgrade). */
  authToken?: string;
  /** The client reads grants in their list form (LIST_CODES). */
  compact?: true;
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
  /** A semaphore: up to this many holders at once. Absent: 1. */
  limit?: number;
  /** `read` shares the lock with other readers. Absent: `write`. */
  mode?: LockMode;
  /** Told to the path's observers while this acquire holds it (a leader's address). */
  value?: string;
  /** While it waits, `queued` tells its place again each time it moved up this many. */
  positions?: number;
  /**
   * Single-flight: while it waits, a holder's release that carries a run's
   * outcome answers it with `result` instead of a grant.
   */
  flight?: true;
}
/** How a lock is held: `write` alone (a mutex, a semaphore's permit), `read` beside other readers. */
export type LockMode = 'read' | 'write';
export interface ReleaseFrame {
  t: 'release';
  id: number;
  path: string;
  token: number;
  /** true: no `ok` when the release succeeds (an error is still answered). */
  quiet?: boolean;
  /** A single-flight run's value, as msgpack bytes: every `flight` waiter gets it in `result`. */
  data?: Uint8Array;
  /** A single-flight run's failure: every `flight` waiter gets it in `result`. */
  failure?: string;
}
/** Withdraws acquire `target`: removes its waiter, or releases the lock if it was granted. */
export interface CancelFrame {
  t: 'cancel';
  id: number;
  target: number;
}
/**
 * Asks whether `token` is still a holder's of `path` (a sequencer check for a
 * resource that keeps no tokens): `ok` if it is, `error` `NOT_HOLDER` if not.
 */
export interface CheckFrame {
  t: 'check';
  id: number;
  path: string;
  token: number;
}
/**
 * Observes who holds `path` (its leader): answered at once with a `leader`
 * frame under this id, and again under it each time the leader changes,
 * until `unwatch`. Tied to the connection: resend it after a resume.
 */
export interface WatchFrame {
  t: 'watch';
  id: number;
  path: string;
}
/**
 * Where acquire `target` of this session waits: answered `queued` under this
 * id with `position` and `etaMs`, or `ok` when it does not wait (granted, gone).
 */
export interface PositionFrame {
  t: 'position';
  id: number;
  target: number;
}
/** Ends watch `target`: answered `ok`. */
export interface UnwatchFrame {
  t: 'unwatch';
  id: number;
  target: number;
}
/** Ends the session: everything held is released, every wait dropped. */
export interface ByeFrame {
  t: 'bye';
  id: number;
}

export type ClientFrame =
  | HelloFrame
  | HeartbeatFrame
  | AcquireFrame
  | ReleaseFrame
  | CancelFrame
  | CheckFrame
  | WatchFrame
  | UnwatchFrame
  | PositionFrame
  | ByeFrame;

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
  /** The broker reads acquires and releases in their list form (LIST_CODES). */
  compact?: true;
}
/** Acquire `id` holds `path` with fencing `token`; sent at once or pushed later. */
export interface GrantFrame {
  t: 'grant';
  id: number;
  path: string;
  token: number;
}
/**
 * Acquire `id` waits; `position` (1 = next) is told at enqueue, and again
 * when the acquire asked for `positions` or a `position` request asks.
 */
export interface QueuedFrame {
  t: 'queued';
  id: number;
  position?: number;
  /** How long that place may wait, at the path's recent pace of grants, ms. */
  etaMs?: number;
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
/**
 * Watch `id`: who holds `path` now: `token` and `value` (if it gave one) of
 * its holder, both absent when nobody holds it.
 */
export interface LeaderFrame {
  t: 'leader';
  id: number;
  path: string;
  token?: number;
  value?: string;
}
/**
 * Single-flight acquire `id` is answered with the outcome of the run it
 * waited for: `data` (msgpack bytes of its value) or `failure`. It holds nothing.
 */
export interface ResultFrame {
  t: 'result';
  id: number;
  data?: Uint8Array;
  failure?: string;
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
  | LeaderFrame
  | ResultFrame
  | LostFrame
  | RedirectFrame;

// ---- runtime guards ---------------------------------------------------------

/** Bounds the guards apply before a frame is trusted. */
export const FRAME_LIMITS = {
  /** Longer strings are refused before the path rules run (they count bytes). */
  maxPathChars: 2048,
  maxSessionIdChars: 64,
  maxNameChars: 128,
  maxAuthTokenChars: 512,
  /** About 24.8 days: the longest delay a Node timer takes. */
  maxTimeoutMs: 2_147_483_647,
  /** The largest semaphore limit. */
  maxLimit: 1_000_000,
  /** A leader's value; a single-flight run's failure message. */
  maxValueChars: 1024,
} as const;

export type GuardResult<F> = { ok: true; frame: F } | { ok: false; id?: number; message: string };

function requestId(v: unknown): number {
  return safeInt(v, 'id', 1);
}

// The fields a frame's map and list forms share, read once for both.

function acquireOf(id: unknown, path: unknown, wait: unknown): AcquireFrame {
  const checkedId = requestId(id);
  if (typeof wait !== 'boolean') fail("'wait' must be a boolean");
  return { t: 'acquire', id: checkedId, path: str(path, 'path', FRAME_LIMITS.maxPathChars), wait };
}

/** A frame naming a hold: its request, its path and its token (release, grant, check). */
function holdFrameOf<T extends 'release' | 'grant' | 'check'>(
  t: T,
  id: unknown,
  path: unknown,
  token: unknown,
): { t: T; id: number; path: string; token: number } {
  return {
    t,
    id: requestId(id),
    path: str(path, 'path', FRAME_LIMITS.maxPathChars),
    token: safeInt(token, 'token', 0),
  };
}

function readHello(m: Fields): HelloFrame {
  const frame: HelloFrame = { t: 'hello', v: safeInt(field(m, 'v'), 'v', 0) };
  const ttlMs = optionalInt(field(m, 'ttlMs'), 'ttlMs', 1, FRAME_LIMITS.maxTimeoutMs);
  const session = optionalStr(field(m, 'session'), 'session', FRAME_LIMITS.maxSessionIdChars);
  const secret = optionalStr(field(m, 'secret'), 'secret', FRAME_LIMITS.maxSessionIdChars);
  const name = optionalStr(field(m, 'name'), 'name', FRAME_LIMITS.maxNameChars);
  const authToken = optionalStr(field(m, 'authToken'), 'authToken', FRAME_LIMITS.maxAuthTokenChars);
  // Names are shown in consoles and terminals: no escape sequences.
  if (name !== undefined && hasControlChars(name)) {
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
  if (authToken !== undefined) frame.authToken = authToken;
  if (optionalFlag(field(m, 'compact'), 'compact')) frame.compact = true;
  return frame;
}

function readAcquire(m: Fields): AcquireFrame {
  const frame = acquireOf(field(m, 'id'), field(m, 'path'), field(m, 'wait'));
  const timeoutMs = optionalInt(field(m, 'timeoutMs'), 'timeoutMs', 0, FRAME_LIMITS.maxTimeoutMs);
  if (timeoutMs !== undefined) frame.timeoutMs = timeoutMs;
  const consistency = field(m, 'consistency');
  if (consistency === 'efficient' || consistency === 'strict') {
    frame.consistency = consistency;
  } else if (consistency !== undefined && consistency !== null) {
    fail("'consistency' must be 'efficient' or 'strict'");
  }
  if (optionalFlag(field(m, 'quiet'), 'quiet')) frame.quiet = true;
  const limit = optionalInt(field(m, 'limit'), 'limit', 1, FRAME_LIMITS.maxLimit);
  if (limit !== undefined && limit > 1) frame.limit = limit;
  if (optionalFlag(field(m, 'flight'), 'flight')) frame.flight = true;
  const positions = optionalInt(field(m, 'positions'), 'positions', 1, FRAME_LIMITS.maxLimit);
  if (positions !== undefined) frame.positions = positions;
  const value = optionalStr(field(m, 'value'), 'value', FRAME_LIMITS.maxValueChars);
  // Values are shown to observers, consoles and terminals: no escape sequences.
  if (value !== undefined && hasControlChars(value))
    fail("'value' may not hold control characters");
  if (value !== undefined) frame.value = value;
  const mode = field(m, 'mode');
  if (mode === 'read') frame.mode = 'read';
  else if (mode !== undefined && mode !== null && mode !== 'write') {
    fail("'mode' must be 'read' or 'write'");
  }
  return frame;
}

function readRelease(m: Fields): ReleaseFrame {
  const frame: ReleaseFrame = holdFrameOf(
    'release',
    field(m, 'id'),
    field(m, 'path'),
    field(m, 'token'),
  );
  if (optionalFlag(field(m, 'quiet'), 'quiet')) frame.quiet = true;
  const data = field(m, 'data');
  if (data instanceof Uint8Array) frame.data = data;
  else if (data !== undefined && data !== null) fail("'data' must be binary");
  const failure = optionalStr(field(m, 'failure'), 'failure', FRAME_LIMITS.maxValueChars);
  // Told to other clients, shown in terminals: no escape sequences, as for values.
  if (failure !== undefined && hasControlChars(failure)) {
    fail("'failure' may not hold control characters");
  }
  if (failure !== undefined) frame.failure = failure;
  if (frame.data !== undefined && failure !== undefined) {
    fail("'data' and 'failure' exclude each other");
  }
  return frame;
}

function readClientFrame(m: Fields): ClientFrame {
  const t = field(m, 't');
  switch (t) {
    case 'hello':
      return readHello(m);
    case 'hb':
    case 'bye':
      return { t, id: requestId(field(m, 'id')) };
    case 'acquire':
      return readAcquire(m);
    case 'release':
      return readRelease(m);
    case 'cancel': {
      const id = requestId(field(m, 'id'));
      return { t, id, target: safeInt(field(m, 'target'), 'target', 1) };
    }
    case 'watch':
      return {
        t,
        id: requestId(field(m, 'id')),
        path: str(field(m, 'path'), 'path', FRAME_LIMITS.maxPathChars),
      };
    case 'unwatch':
    case 'position':
      return { t, id: requestId(field(m, 'id')), target: safeInt(field(m, 'target'), 'target', 1) };
    case 'check':
      return holdFrameOf(t, field(m, 'id'), field(m, 'path'), field(m, 'token'));
    default:
      return fail(`unknown frame type ${describeValue(t)}`);
  }
}

/** A client frame in its list form; every list has four items. */
function readClientList(l: readonly unknown[]): ClientFrame {
  if (l.length !== 4) fail('a list frame has four items');
  let frame: AcquireFrame | ReleaseFrame;
  if (l[0] === LIST_CODES.acquire) frame = acquireOf(l[1], l[2], l[3]);
  else if (l[0] === LIST_CODES.release) frame = holdFrameOf('release', l[1], l[2], l[3]);
  else return fail(`unknown list code ${describeValue(l[0])}`);
  frame.quiet = true;
  return frame;
}

/** The refusal of a frame whose reading failed with `err`. */
function refusal(m: Fields | unknown[], err: unknown): { ok: false; message: string } {
  // Anything but the readers' own refusal is a bug in them, not a bad frame.
  if (!(err instanceof FrameShapeError)) throw err;
  const kind = Array.isArray(m) ? `list ${describeValue(m[0])}` : describeValue(field(m, 't'));
  return { ok: false, message: `bad ${kind} frame: ${err.message}` };
}

/**
 * Checks a decoded message from a client. On failure it says why, and gives
 * the request id when one could be read so the error can answer that request.
 * Total: it returns for any value msgpack decodes to, and reads only the
 * message's own fields.
 */
export function guardClientFrame(message: unknown): GuardResult<ClientFrame> {
  const list = Array.isArray(message);
  if (!list && !isFields(message)) return { ok: false, message: 'a frame must be a map or a list' };
  try {
    return { ok: true, frame: list ? readClientList(message) : readClientFrame(message) };
  } catch (err) {
    const bad = refusal(message, err);
    const id = list ? message[1] : field(message, 'id');
    return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? { ...bad, id } : bad;
  }
}

function readHeld(v: unknown): HeldLock[] {
  if (!Array.isArray(v)) fail("'held' must be a list");
  const held: HeldLock[] = [];
  for (let i = 0; i < v.length; i++) {
    const h: unknown = v[i];
    if (!isFields(h)) fail("'held' entries must be maps");
    held.push({
      id: requestId(field(h, 'id')),
      path: str(field(h, 'path'), 'path', FRAME_LIMITS.maxPathChars),
      token: safeInt(field(h, 'token'), 'token', 0),
    });
  }
  return held;
}

function readWelcome(m: Fields): WelcomeFrame {
  return {
    t: 'welcome',
    v: safeInt(field(m, 'v'), 'v', 0),
    session: str(field(m, 'session'), 'session', FRAME_LIMITS.maxSessionIdChars),
    secret: str(field(m, 'secret'), 'secret', FRAME_LIMITS.maxSessionIdChars),
    // Bounded like a hello's: the client arms timers from it, and a longer delay fires at once.
    ttlMs: safeInt(field(m, 'ttlMs'), 'ttlMs', 1, FRAME_LIMITS.maxTimeoutMs),
    resumed: field(m, 'resumed') === true,
    held: readHeld(field(m, 'held')),
    ...(optionalFlag(field(m, 'compact'), 'compact') && { compact: true }),
  };
}

function readError(m: Fields): ErrorFrame {
  const code = field(m, 'code');
  const frame: ErrorFrame = {
    t: 'error',
    code: isErrorCode(code) ? code : 'INTERNAL',
    message: str(field(m, 'message'), 'message', 4096),
  };
  const id = optionalInt(field(m, 'id'), 'id', 1, Number.MAX_SAFE_INTEGER);
  if (id !== undefined) frame.id = id;
  return frame;
}

const LOST_REASONS: ReadonlySet<unknown> = new Set<LockLostReason>([
  'lease-expired',
  'session-expired',
  'revoked',
  'closed',
]);

function readServerFrame(m: Fields): ServerFrame {
  const t = field(m, 't');
  switch (t) {
    case 'welcome':
      return readWelcome(m);
    case 'grant':
      return holdFrameOf(t, field(m, 'id'), field(m, 'path'), field(m, 'token'));
    case 'queued': {
      const frame: QueuedFrame = { t, id: requestId(field(m, 'id')) };
      const position = optionalInt(field(m, 'position'), 'position', 1, Number.MAX_SAFE_INTEGER);
      if (position !== undefined) frame.position = position;
      const etaMs = optionalInt(field(m, 'etaMs'), 'etaMs', 0, Number.MAX_SAFE_INTEGER);
      if (etaMs !== undefined) frame.etaMs = etaMs;
      return frame;
    }
    case 'busy':
    case 'ok':
      return { t, id: requestId(field(m, 'id')) };
    case 'error':
      return readError(m);
    case 'redirect': {
      const url = optionalStr(field(m, 'url'), 'url', 2048);
      return url === undefined ? { t } : { t, url };
    }
    case 'result': {
      const frame: ResultFrame = { t, id: requestId(field(m, 'id')) };
      const data = field(m, 'data');
      if (data instanceof Uint8Array) frame.data = data;
      const failure = optionalStr(field(m, 'failure'), 'failure', FRAME_LIMITS.maxValueChars);
      if (failure !== undefined) frame.failure = failure;
      if ((frame.data === undefined) === (failure === undefined)) {
        fail("a result has 'data' or 'failure', one of them");
      }
      return frame;
    }
    case 'leader': {
      const frame: LeaderFrame = {
        t,
        id: requestId(field(m, 'id')),
        path: str(field(m, 'path'), 'path', FRAME_LIMITS.maxPathChars),
      };
      const token = field(m, 'token');
      if (token !== undefined && token !== null) frame.token = safeInt(token, 'token', 0);
      const value = optionalStr(field(m, 'value'), 'value', FRAME_LIMITS.maxValueChars);
      if (value !== undefined) frame.value = value;
      return frame;
    }
    case 'lost': {
      const reason = field(m, 'reason');
      return {
        t,
        path: str(field(m, 'path'), 'path', FRAME_LIMITS.maxPathChars),
        token: safeInt(field(m, 'token'), 'token', 0),
        reason: LOST_REASONS.has(reason) ? (reason as LockLostReason) : 'revoked',
      };
    }
    default:
      return fail(`unknown frame type ${describeValue(t)}`);
  }
}

/** A broker frame in its list form: only a grant has one. */
function readServerList(l: readonly unknown[]): ServerFrame {
  if (l.length !== 4) fail('a list frame has four items');
  if (l[0] !== LIST_CODES.grant) fail(`unknown list code ${describeValue(l[0])}`);
  return holdFrameOf('grant', l[1], l[2], l[3]);
}

/** Checks a decoded message from the broker; total, like {@link guardClientFrame}. */
export function guardServerFrame(message: unknown): GuardResult<ServerFrame> {
  const list = Array.isArray(message);
  if (!list && !isFields(message)) return { ok: false, message: 'a frame must be a map or a list' };
  try {
    return { ok: true, frame: list ? readServerList(message) : readServerFrame(message) };
  } catch (err) {
    return refusal(message, err);
  }
}
