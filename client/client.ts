import {
  BatonError,
  ConnectionClosedError,
  errorFromCode,
  InvalidOptionError,
  ProtocolError,
  TimeoutError,
  type LockLostReason,
} from '../shared/errors.js';
import { plainTimer, systemClock, type Clock, type Timer } from '../shared/clock.js';
import { lockPathProblem } from '../shared/lock-path.js';
import { SmallMap } from '../shared/small-map.js';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  type ClientFrame,
  type HeldLock,
  type HelloFrame,
  type ResultFrame,
  type ServerFrame,
  type WelcomeFrame,
} from '../shared/protocol.js';
import {
  resolveClientOptions,
  type ClientOptions,
  type ResolvedClientOptions,
} from './client-options.js';
import {
  abortedError,
  checkAcquireOptions,
  type AcquireOptions,
  type QueuePlace,
} from './acquire-options.js';
import { asyncDispose } from './async-dispose.js';
import { Lease } from './lease.js';
import { acquireAll, LeaseSet } from './lease-set.js';
import { Leadership, type Leader } from './leadership.js';
import { runSingleFlight, type FlightOutcome } from './single-flight.js';
import { KeepAlive, type KeepAliveHooks } from './keep-alive.js';
import { Link, type LinkEvents, type LinkOptions } from './link.js';
import type { WebSocketFactory } from './websocket-like.js';

export type { AcquireOptions } from './acquire-options.js';

/**
 * Refusals the broker answers without renewing the session (the frame was not
 * applied): they prove the link works, not that the lease moved on.
 */
const UNRENEWED: ReadonlySet<string> = new Set(['PROTOCOL', 'RATE_LIMITED', 'FORBIDDEN']);

/** What the client is doing; listen with `onStatus`. */
export type ClientStatus =
  | { state: 'connected'; sessionId: string; resumed: boolean }
  | { state: 'reconnecting'; error?: BatonError }
  | { state: 'session-expired'; sessionId: string }
  | { state: 'closed'; error?: BatonError };

type RequestFrame = Exclude<ClientFrame, HelloFrame>;
type AcquireFrame = Extract<ClientFrame, { t: 'acquire' }>;

/** Refusals of a hello that dialling again cannot mend. */
const FINAL_REFUSALS: ReadonlySet<string> = new Set([
  'UNSUPPORTED_VERSION',
  'UNAUTHENTICATED',
  'FORBIDDEN',
]);
/** Refusals of a hello that a later dial may not meet: the client keeps trying until its timeout. */
const LIMIT_REFUSALS: ReadonlySet<string> = new Set(['LIMIT_EXCEEDED', 'RATE_LIMITED']);
/** The longest delay `setTimeout` keeps; a longer one fires at once. */
const MAX_TIMER_MS = 2_147_483_647;
type Reply = Exclude<ServerFrame, WelcomeFrame | { t: 'lost' } | { t: 'redirect' }>;

interface Pending {
  readonly frame: RequestFrame;
  /** Monotonic send time on the current socket; -1 while unsent. */
  sentAt: number;
  /** Handles a reply; true when the request is done. */
  onReply(reply: Reply): boolean;
  /** Ends the request without a reply (session gone, client closed). */
  onEnd(error: BatonError): void;
}

/** What a client runs on besides its socket; injected so tests can drive time. */
export interface ClientDeps {
  /** Default: `systemClock` (only its monotonic `now` is read). */
  clock?: Clock;
  /** Default: the global `setTimeout`, which keeps a Node host running while it waits. */
  timer?: Timer;
  /** Numbers in [0, 1) for the reconnect jitter. Default `Math.random`. */
  random?: () => number;
}

/**
 * One session with a Baton broker over one WebSocket, kept alive across
 * dropped connections. Never throws into its host: failures reach callers as
 * rejections and everyone else through `onStatus`. With `await using client =
 * await connect(…)` it is closed when the block is left.
 */
export class BatonClient implements AsyncDisposable {
  readonly options: ResolvedClientOptions;
  private readonly link: Link;
  private ready = false;
  private sessionId: string | null = null;
  private secret: string | null = null;
  private nextId = 1;
  // Nearly always one entry or none, each a request or lease that comes and goes per lock.
  private readonly pending = new SmallMap<number, Pending>();
  private readonly leases = new SmallMap<number, Lease>();
  private readonly listeners = new Set<(status: ClientStatus) => void>();
  private helloSentAt = 0;
  private readonly keepAlive: KeepAlive;
  /** Shared by every lease, rather than two new closures per grant. */
  private readonly giveBackLease = (lease: Lease, outcome?: FlightOutcome): Promise<void> =>
    this.giveBack(lease, outcome);
  private readonly leaseRunning = (): boolean => this.keepAlive.leaseRunning();
  private readonly clock: Clock;
  private readonly timer: Timer;
  private closing: Promise<void> | null = null;
  /** Why the last socket went down, when it said: told if the first session never comes. */
  private lastFailure: BatonError | null = null;
  private firstSession: { resolve: () => void; reject: (e: BatonError) => void } | null = null;

  constructor(options: ClientOptions, openSocket: WebSocketFactory, deps: ClientDeps = {}) {
    this.options = resolveClientOptions(options);
    this.clock = deps.clock ?? systemClock;
    this.timer = deps.timer ?? plainTimer;
    const hooks: KeepAliveHooks = {
      heartbeat: () => {
        if (this.ready) this.tell({ t: 'hb', id: this.nextId++ });
      },
      holdsLeases: () => this.leases.size > 0,
      expireLeases: () => this.expireLeases(),
      unresponsive: () => {
        if (this.ready) this.link.drop(new BatonError('CLOSED', 'the broker stopped answering'));
      },
    };
    this.keepAlive = new KeepAlive(this.options.sessionTtlMs, hooks, this.clock, this.timer);
    const { reconnectMinDelayMs, reconnectMaxDelayMs, connectTimeoutMs, sessionTtlMs } =
      this.options;
    const linkOptions: LinkOptions = {
      // Half-jittered, so clients cut off together do not all come back at once.
      backoff: { minMs: reconnectMinDelayMs, maxMs: reconnectMaxDelayMs, jitter: 0.5 },
      // A heartbeat interval, so a hung broker costs a resume no more than a missed heartbeat.
      openTimeoutMs: Math.max(1_000, Math.min(connectTimeoutMs, sessionTtlMs / 3)),
      // A holder has what is left of its lease to resume in (a failover takes part of it):
      // a delay grown to seconds would sleep through the moment the new broker is up.
      urgentMaxDelayMs: sessionTtlMs / 10,
    };
    const events: LinkEvents = {
      open: () => this.hello(),
      frame: (frame) => this.receive(frame),
      down: (code, error) => this.down(code, error),
      urgent: () => this.leases.size > 0,
    };
    const random = deps.random ?? Math.random;
    this.link = new Link(this.options.urls, openSocket, linkOptions, events, this.timer, random);
  }

  /** Opens the first session; rejects if none can be had within `connectTimeoutMs`. */
  start(): Promise<void> {
    const started = new Promise<void>((resolve, reject) => {
      this.firstSession = { resolve, reject };
    });
    const timer = this.timer.set(() => {
      const last = this.lastFailure;
      const where = this.options.urls.join(', ');
      // A broker that answered but refused a session for a limit says so in the code.
      const limited = last !== null && LIMIT_REFUSALS.has(last.code);
      void this.shutdown(
        limited
          ? new BatonError(last.code, `no session at ${where}: ${last.message}`)
          : new ConnectionClosedError(
              'CLOSED',
              `no broker answered at ${where}` + (last ? ` (last failure: ${last.message})` : ''),
              // The last failure carries the socket's own error (ECONNREFUSED, ENOTFOUND, a TLS code).
              last ? { cause: last } : undefined,
            ),
      );
    }, this.options.connectTimeoutMs);
    this.link.dial();
    return started.finally(() => this.timer.clear(timer));
  }

  /** The broker's id for this client's session. */
  get session(): string | null {
    return this.sessionId;
  }

  /** Subscribes to status changes; returns the unsubscribe function. */
  onStatus(listener: (status: ClientStatus) => void): () => void {
    if (typeof listener !== 'function') {
      throw new InvalidOptionError('onStatus needs a function to call');
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Waits its turn in the FIFO queue of `path` and resolves to the lease. */
  acquire(path: string, options?: AcquireOptions): Promise<Lease> {
    return this.requestLock(path, true, options) as Promise<Lease>;
  }

  /**
   * Takes every path in `paths` or none: one by one in sorted order (so two
   * clients with overlapping sets cannot deadlock), releasing what it took if
   * one of them fails. `timeoutMs` bounds the whole set.
   */
  async acquireAll(paths: readonly string[], options: AcquireOptions = {}): Promise<LeaseSet> {
    const checked = checkAcquireOptions(options);
    const acquirer = { acquire: this.acquire.bind(this), now: () => this.clock.now() };
    return acquireAll(acquirer, paths, checked);
  }

  /** The lease if `path` is free now (has room, for a semaphore or readers), otherwise `null`; never queues. */
  tryAcquire(
    path: string,
    options?: Pick<AcquireOptions, 'consistency' | 'limit' | 'mode'>,
  ): Promise<Lease | null> {
    return this.requestLock(path, false, options);
  }

  /**
   * Acquires `path`, runs `fn` and releases, also when `fn` throws. What `fn`
   * throws passes through unchanged: the one rejection of the SDK that need
   * not be a `BatonError`.
   */
  async withLock<T>(
    path: string,
    fn: (lease: Lease) => Promise<T> | T,
    options: AcquireOptions = {},
  ): Promise<T> {
    if (typeof fn !== 'function') throw new InvalidOptionError('withLock needs a function to run');
    const lease = await this.acquire(path, options);
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /**
   * Runs `fn` once for everyone who asks while it runs: the first caller of
   * `path` runs it under the lock; callers that arrive meanwhile (from any
   * client) do not run it but get its value, or its failure as
   * `FLIGHT_FAILED`, through the broker. If the runner's session dies
   * first, the next caller in line runs `fn`. The value travels as msgpack
   * of at most `maxResultBytes` (default 8 KiB; the broker's frame limit,
   * 16 KiB by default, bounds it too); a larger one is the runner's alone,
   * and the others get `FLIGHT_FAILED` saying so.
   */
  singleFlight<T>(
    path: string,
    fn: (lease: Lease) => Promise<T> | T,
    options: Omit<AcquireOptions, 'limit' | 'mode' | 'value'> & { maxResultBytes?: number } = {},
  ): Promise<T> {
    return runSingleFlight(
      { request: (o, onResult) => this.requestLock(path, true, o, onResult) },
      path,
      fn,
      options,
    );
  }

  /**
   * Where this client's acquire of `path` waits (the oldest, if several), or
   * null when it has none waiting (not asked, granted, or given up).
   */
  position(path: string): Promise<QueuePlace | null> {
    let target: number | undefined;
    for (const [id, p] of this.pending) {
      if (p.frame.t === 'acquire' && p.frame.path === path) {
        target = id;
        break;
      }
    }
    if (target === undefined) return Promise.resolve(null);
    return new Promise<QueuePlace | null>((resolve, reject) => {
      const frame: RequestFrame = { t: 'position', id: this.nextId++, target: target! };
      this.request(
        frame,
        (reply) => {
          if (reply.t === 'queued' && reply.position !== undefined) {
            const place: QueuePlace = { position: reply.position };
            if (reply.etaMs !== undefined) place.etaMs = reply.etaMs;
            resolve(place);
          } else if (reply.t === 'error') reject(errorFromCode(reply.code, reply.message));
          else resolve(null);
          return true;
        },
        reject,
      );
    });
  }

  /**
   * Whether `token` is still a holder's of `path` at the broker, for a
   * resource that keeps no tokens of its own (a sequencer check). True only
   * says it was when the broker answered: a check and a write are not one step.
   */
  isCurrent(path: string, token: number): Promise<boolean> {
    const refusal = this.refuseAcquire(path, undefined);
    if (refusal) return Promise.reject(refusal);
    if (!Number.isSafeInteger(token) || token < 0) {
      return Promise.reject(new InvalidOptionError('token must be a non-negative safe integer'));
    }
    return new Promise<boolean>((resolve, reject) => {
      const frame: RequestFrame = { t: 'check', id: this.nextId++, path, token };
      this.request(
        frame,
        (reply) => {
          if (reply.t === 'ok') resolve(true);
          else if (reply.t === 'error' && reply.code === 'NOT_HOLDER') resolve(false);
          else if (reply.t === 'error') reject(errorFromCode(reply.code, reply.message));
          else reject(new ProtocolError(`the broker answered a check of ${path} with ${reply.t}`));
          return true;
        },
        reject,
      );
    });
  }

  /**
   * Runs for leader of `path`: waits in line (FIFO, like `acquire`) and
   * resolves once this client leads. `value` (say, its address) is what
   * observers of the path are told while it leads.
   */
  async elect(
    path: string,
    options: Omit<AcquireOptions, 'limit' | 'mode'> = {},
  ): Promise<Leadership> {
    const checked = checkAcquireOptions(options);
    if (checked.limit !== undefined || checked.mode !== undefined) {
      throw new InvalidOptionError('an election has one leader: no limit or mode');
    }
    const lease = await this.acquire(path, checked);
    return new Leadership(lease, checked.value ?? '');
  }

  /**
   * Calls `listener` with who leads `path` now (null: nobody), and again each
   * time that changes, until the function it returns is called. Any session
   * may observe; it follows the client across reconnects and failovers (a
   * change missed while away is told on return). `onError` hears why the
   * broker refused to let it observe (FORBIDDEN, LIMIT_EXCEEDED); observing ends then.
   */
  observe(
    path: string,
    listener: (leader: Leader | null) => void,
    onError: (error: BatonError) => void = () => {},
  ): () => void {
    const refusal = this.refuseAcquire(path, undefined);
    if (refusal) throw refusal;
    if (typeof listener !== 'function') {
      throw new InvalidOptionError('observe needs a function to call');
    }
    const id = this.nextId++;
    /** The leader's token last told (null: nobody; undefined: nothing told yet). */
    let last: number | null | undefined;
    // The caller's functions run inside frame handling: what they throw must not break the session.
    const safely = (call: () => void): void => {
      try {
        call();
      } catch {
        // The caller's bug; observing goes on.
      }
    };
    // A request that stays pending: every `leader` frame answers it, and it is
    // sent again with the rest after a reconnect, as the broker forgets watches then.
    this.request(
      { t: 'watch', id, path },
      (reply) => {
        if (reply.t === 'error') {
          safely(() => onError(errorFromCode(reply.code, reply.message)));
          return true;
        }
        if (reply.t !== 'leader') return false;
        // A resend after a reconnect repeats what was already told: say only changes.
        const token = reply.token ?? null;
        if (token === last) return false;
        last = token;
        const leader = token === null ? null : { token, value: reply.value ?? '' };
        safely(() => listener(leader));
        return false;
      },
      // The session ended (expired, closed): observing ends with it, and says so.
      (error) => safely(() => onError(error)),
    );
    return () => {
      if (this.pending.delete(id)) this.tell({ t: 'unwatch', id: this.nextId++, target: id });
    };
  }

  /** Ends the session: the broker releases every lock it held and drops its waits. */
  async close(): Promise<void> {
    await this.shutdown();
  }

  /** Closes the client: what `await using` calls when the block is left. */
  [asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- requests -----------------------------------------------------------

  /**
   * Sends an acquire and settles with its lease, or null for a busy try. With
   * `onResult` it is a single-flight acquire: a `result` frame (the outcome of
   * the run it waited for) goes there, and the promise settles with null.
   */
  private requestLock(
    path: string,
    wait: boolean,
    given: unknown,
    onResult?: (result: ResultFrame) => void,
  ): Promise<Lease | null> {
    let options: AcquireOptions;
    try {
      options = checkAcquireOptions(given);
    } catch (err) {
      return Promise.reject(err as BatonError);
    }
    const refusal = this.refuseAcquire(path, options.signal);
    if (refusal) return Promise.reject(refusal);
    const frame = this.acquireFrame(path, wait, options, onResult !== undefined);
    const { onQueued } = options;
    return new Promise<Lease | null>((resolve, reject) => {
      // Most acquires wait without a signal or a timeout: they arm nothing.
      const stop =
        options.signal !== undefined || options.timeoutMs !== undefined || !wait
          ? this.armGiveUp(frame, options, reject)
          : null;
      this.request(
        frame,
        (reply) => {
          if (reply.t === 'queued') {
            if (onQueued && reply.position !== undefined) tellPlace(onQueued, reply);
            return false;
          }
          stop?.();
          if (reply.t === 'result' && onResult) {
            onResult(reply);
            resolve(null);
            return true;
          }
          if (reply.t === 'grant') resolve(this.addLease(reply.path, reply.token, frame.id));
          else if (reply.t === 'busy') resolve(null);
          else if (reply.t === 'error') reject(errorFromCode(reply.code, reply.message));
          // An `ok` answers no acquire; settle rather than leave the caller waiting forever.
          else
            reject(new ProtocolError(`the broker answered an acquire of ${path} with ${reply.t}`));
          return true;
        },
        (error) => {
          stop?.();
          reject(error);
        },
      );
    });
  }

  private acquireFrame(
    path: string,
    wait: boolean,
    options: AcquireOptions,
    flight: boolean,
  ): AcquireFrame {
    // Quiet: the broker sends no `queued` frame unless places were asked for.
    const frame: AcquireFrame = { t: 'acquire', id: this.nextId++, path, wait, quiet: true };
    if (options.onQueued && wait) frame.positions = options.positionStep ?? 10;
    if (options.timeoutMs !== undefined) frame.timeoutMs = options.timeoutMs;
    if (options.consistency !== undefined) frame.consistency = options.consistency;
    if (options.limit !== undefined && options.limit > 1) frame.limit = options.limit;
    if (options.mode === 'read') frame.mode = 'read';
    if (options.value !== undefined) frame.value = options.value;
    if (flight) frame.flight = true;
    return frame;
  }

  /**
   * Arms what gives an acquire up locally (its signal, its timeout, or the
   * answer a try cannot wait for) and returns what disarms them. Giving up
   * tells the broker to drop the waiter, or to release the lock if its grant
   * is already on the way.
   */
  private armGiveUp(
    frame: AcquireFrame,
    { signal, timeoutMs }: AcquireOptions,
    reject: (error: BatonError) => void,
  ): () => void {
    const { id, path, wait } = frame;
    let timer: unknown = null;
    const stop = (): void => {
      this.timer.clear(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const giveUp = (error: BatonError): void => {
      if (!this.pending.delete(id)) return;
      stop();
      reject(error);
      this.tell({ t: 'cancel', id: this.nextId++, target: id });
    };
    const onAbort = (): void => giveUp(abortedError(path, signal as AbortSignal));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== undefined && wait) {
      const message = `timed out after ${timeoutMs} ms waiting for ${path}`;
      timer = this.timer.set(
        () => giveUp(new TimeoutError(message)),
        Math.min(timeoutMs + this.options.timeoutGraceMs, MAX_TIMER_MS),
      );
    } else if (!wait) {
      // "Now or never" must not wait out a reconnect.
      const { connectTimeoutMs } = this.options;
      const message = `no answer from the broker in ${connectTimeoutMs} ms for ${path}`;
      timer = this.timer.set(() => giveUp(new TimeoutError(message)), connectTimeoutMs);
    }
    return stop;
  }

  /** Why an acquire with well-formed options cannot even be sent, or null. */
  private refuseAcquire(path: string, signal: AbortSignal | undefined): BatonError | null {
    const problem = lockPathProblem(path);
    if (problem) return new BatonError('INVALID_PATH', problem);
    if (this.closing) return new ConnectionClosedError('CLOSED', 'the client is closed');
    if (signal?.aborted) return abortedError(path, signal);
    return null;
  }

  private addLease(path: string, token: number, requestId: number): Lease {
    const lease = new Lease(path, token, requestId, this.giveBackLease, this.leaseRunning);
    this.leases.set(requestId, lease);
    this.keepAlive.watchLeases();
    return lease;
  }

  private giveBack(lease: Lease, outcome?: FlightOutcome): Promise<void> {
    const held = this.leases.delete(lease.requestId);
    // The broker already let go of a lost lock, and a closed client has no session.
    if (held && !this.closing) this.sendRelease(lease.path, lease.token, outcome);
    return Promise.resolve();
  }

  private request(frame: RequestFrame, onReply: Pending['onReply'], onEnd: Pending['onEnd']): void {
    const p: Pending = { frame, sentAt: -1, onReply, onEnd };
    this.pending.set(frame.id, p);
    if (this.ready) this.write(p);
  }

  /** A request whose answer nobody waits for. */
  private tell(frame: RequestFrame): void {
    this.request(
      frame,
      () => true,
      () => {},
    );
  }

  /**
   * Releases go unanswered (`quiet`), so a handoff costs the broker one frame,
   * the next holder's grant. One lost with the connection is not resent: at
   * resume the broker lists the lock as still held and `reconcile` gives it back.
   */
  private sendRelease(path: string, token: number, outcome?: FlightOutcome): void {
    if (!this.ready) return;
    this.link.send({ t: 'release', id: this.nextId++, path, token, quiet: true, ...outcome });
  }

  private write(p: Pending): void {
    p.sentAt = this.clock.now();
    this.link.send(p.frame);
  }

  // ---- frames from the broker ---------------------------------------------

  private receive(frame: ServerFrame): void {
    if (frame.t === 'welcome') return this.welcome(frame);
    if (frame.t === 'lost') return this.lost(frame.token, frame.reason);
    if (frame.t === 'redirect') return this.link.redirect(frame.url);
    if (frame.id === undefined) return this.refused(frame as ServerFrame & { t: 'error' });
    const p = this.pending.get(frame.id);
    if (!p) {
      // A grant for an acquire given up on: hand it straight back. Not a
      // repeat of one we hold: a resent acquire is answered with its grant
      // again when the push of the first already reached us.
      if (frame.t === 'grant' && !this.leases.has(frame.id)) {
        this.sendRelease(frame.path, frame.token);
      }
      return;
    }
    if (!(frame.t === 'error' && UNRENEWED.has(frame.code))) this.keepAlive.confirm(p.sentAt);
    if (p.onReply(frame)) this.pending.delete(frame.id);
  }

  private welcome(frame: WelcomeFrame): void {
    this.ready = true;
    this.link.connected();
    this.sessionId = frame.session;
    this.secret = frame.secret;
    this.keepAlive.confirm(this.helloSentAt);
    if (frame.resumed) this.reconcile(frame.held);
    // Insertion order is id order: requests are resent as they were first made.
    for (const p of this.pending.values()) this.write(p);
    this.keepAlive.start(frame.ttlMs);
    this.emit({ state: 'connected', sessionId: frame.session, resumed: frame.resumed });
    this.firstSession?.resolve();
    this.firstSession = null;
  }

  /**
   * After a failover the broker's idea of what this session holds may differ
   * from ours (the last changes before a crash can be lost in the efficient
   * level). Leases it no longer lists are lost; locks it lists that we do not
   * hold or wait for are handed back, or they would stay held forever.
   */
  private reconcile(held: HeldLock[]): void {
    const listed = new Map(held.map((h) => [h.id, h.token]));
    for (const lease of [...this.leases.values()]) {
      // Listed with another token: a new broker granted the same acquire anew,
      // and ours (lost with the old broker) fences nothing any more.
      if (listed.get(lease.requestId) === lease.token) continue;
      this.leases.delete(lease.requestId);
      lease.lose('revoked');
    }
    for (const h of held) {
      if (!this.leases.has(h.id) && !this.pending.has(h.id)) this.sendRelease(h.path, h.token);
    }
  }

  private lost(token: number, reason: LockLostReason): void {
    for (const lease of this.leases.values()) {
      if (lease.token !== token) continue;
      this.leases.delete(lease.requestId);
      lease.lose(reason);
    }
  }

  /**
   * A hello was refused. A refused credential (UNAUTHENTICATED), or a session
   * of another principal (FORBIDDEN), will be refused again however often the
   * client dials: it gives up rather than loop.
   */
  private refused(frame: ServerFrame & { t: 'error' }): void {
    const error = errorFromCode(frame.code, frame.message);
    if (frame.code === 'SESSION_EXPIRED') return this.sessionExpired();
    if (FINAL_REFUSALS.has(frame.code)) return void this.shutdown(error);
    this.lastFailure = error;
    this.emit({ state: 'reconnecting', error });
  }

  /** The session is gone with all it held: fail what depended on it, start a fresh one. */
  private sessionExpired(): void {
    const sessionId = this.sessionId ?? '';
    this.sessionId = this.secret = null;
    for (const lease of this.leases.values()) lease.lose('session-expired');
    this.leases.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    const error = new ConnectionClosedError('SESSION_EXPIRED', `session ${sessionId} expired`);
    for (const p of pending) p.onEnd(error);
    this.emit({ state: 'session-expired', sessionId });
  }

  // ---- connection and timers ----------------------------------------------

  private hello(): void {
    const hello: HelloFrame = {
      t: 'hello',
      v: PROTOCOL_VERSION,
      ttlMs: this.options.sessionTtlMs,
      compact: true,
    };
    if (this.sessionId && this.secret) {
      hello.session = this.sessionId;
      hello.secret = this.secret;
    }
    if (this.options.name !== undefined) hello.name = this.options.name;
    if (this.options.authToken !== undefined) hello.authToken = this.options.authToken;
    this.helloSentAt = this.clock.now();
    this.link.send(hello);
  }

  private down(code: number, error?: BatonError): void {
    this.ready = false;
    if (error) this.lastFailure = error;
    if (this.closing) return;
    if (code === CLOSE_CODES.unauthenticated) {
      // The refusal's error frame, had it come, would have ended the client already.
      void this.shutdown(new BatonError('UNAUTHENTICATED', 'the broker refused the credential'));
      return;
    }
    if (code === CLOSE_CODES.sessionEnded && this.sessionId) this.sessionExpired();
    this.emit(error ? { state: 'reconnecting', error } : { state: 'reconnecting' });
  }

  private expireLeases(): void {
    for (const lease of [...this.leases.values()]) {
      lease.lose('lease-expired');
      this.leases.delete(lease.requestId);
      // The broker may still count it as ours: give it back when we can.
      this.sendRelease(lease.path, lease.token);
    }
  }

  /** Ends everything once; later calls get the same promise. */
  private shutdown(error?: BatonError): Promise<void> {
    this.closing ??= this.end(error);
    return this.closing;
  }

  private async end(error?: BatonError): Promise<void> {
    // While reconnecting too: the bye goes out with the resend if the session comes back in time.
    if (this.sessionId && !error) {
      await new Promise<void>((resolve) => {
        const timer = this.timer.set(resolve, 1_000);
        this.request(
          { t: 'bye', id: this.nextId++ },
          () => (this.timer.clear(timer), resolve(), true),
          () => resolve(),
        );
      });
    }
    this.ready = false;
    this.keepAlive.stop();
    for (const lease of this.leases.values()) lease.lose('closed');
    this.leases.clear();
    const pending = [...this.pending.values()];
    this.pending.clear();
    const closedError = error ?? new ConnectionClosedError('CLOSED', 'the client was closed');
    for (const p of pending) p.onEnd(closedError);
    this.link.stop();
    this.firstSession?.reject(closedError);
    this.firstSession = null;
    this.emit(error ? { state: 'closed', error } : { state: 'closed' });
  }

  private emit(status: ClientStatus): void {
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch {
        // A listener's bug must not break the session.
      }
    }
  }
}

/** Tells a caller's `onQueued` its place; what it throws must not break the client's frame handling. */
function tellPlace(
  onQueued: (place: QueuePlace) => void,
  reply: { position?: number; etaMs?: number },
): void {
  const place: QueuePlace = { position: reply.position! };
  if (reply.etaMs !== undefined) place.etaMs = reply.etaMs;
  try {
    onQueued(place);
  } catch {
    // The caller's bug, not the session's: the acquire goes on.
  }
}
