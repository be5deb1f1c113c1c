import { nanoid } from 'nanoid';
import { backoffMs } from '../shared/backoff.js';
import {
  CLOSE_CODES,
  PROTOCOL_VERSION,
  type ClientFrame,
  type HelloFrame,
  type RedirectFrame,
} from '../shared/protocol.js';
import { lockPathProblem } from '../shared/lock-path.js';
import {
  levelFor,
  resolveBrokerOptions,
  type BrokerOptions,
  type ResolvedBrokerOptions,
} from './broker-options.js';
import { listenAdmin, type AdminServer } from './admin/admin-server.js';
import { BrokerAdmin } from './admin/broker-admin.js';
import type { Access, ReloadResult } from './auth/access.js';
import { AuthGate } from './auth/auth-gate.js';
import { BrokerEvents, type BrokerListener } from './broker-events.js';
import { systemClock, systemTimer, type Clock, type Timer } from './clock.js';
import type { Effect, GrantEffect, WelcomeEffect } from './core/effects.js';
import type { JournalEntry } from './core/journal.js';
import { LockTable, type AcquireCommand } from './core/lock-table.js';
import type { TableViews } from './core/table-views.js';
import type { TableSnapshot } from './core/replica.js';
import { EmbeddedMirror } from './mirror/embedded-mirror.js';
import type { Mirror, MirrorEvent, MirrorHost, MirrorRole, MirrorStatus } from './mirror/mirror.js';
import { LogThrottle, silentLogger, type Logger } from './log.js';
import { notReady, type Readiness } from './readiness.js';
import { warnOnFileLimit } from './system-limits.js';
import { FileTokenStore } from './tokens/file-token-store.js';
import type { TokenBlock } from './tokens/token-store.js';
import type { Connection, Traffic } from './transport/connection.js';
import { frameOf } from './transport/effect-frames.js';
import { WsGateway } from './transport/ws-gateway.js';
import { MAX_WATCHES_PER_SESSION, Watches } from './watches.js';

/** What a broker is built from; tests swap the clock or the timer. */
export interface BrokerDeps {
  clock?: Clock;
  timer?: Timer;
  /** Where the broker logs; each part gets a child. Default: nowhere. */
  logger?: Logger;
}

/** `embedded` runs alone; with Redis a broker is `standby`, `promoting` or `active`. */
export type BrokerRole = MirrorRole;

/**
 * The imperative shell around the {@link LockTable}: it feeds frames from the
 * gateway to the table as commands, carries out the effects, keeps the one
 * timer, and follows its mirror's lead (who is active, what is durable).
 */
export class Broker {
  readonly options: ResolvedBrokerOptions;
  private table: LockTable;
  /** Who observes which path's leader (connection state: not mirrored). */
  private readonly watches = new Watches({
    leader: (path) => this.table.views.leader(path),
    send: (sessionId, frame) => this.gateway.send(sessionId, frame),
  });
  private readonly clock: Clock;
  readonly timer: Timer;
  /** Set by `start`: the Redis mirror is loaded only when configured. */
  private mirror: Mirror | null = null;
  private readonly gateway: WsGateway;
  private readonly log: Logger;
  private readonly limits: LogThrottle;
  private readonly logRoot: Logger;
  /** Efficient grants made while the leader lease could not be confirmed. */
  private heldGrants: GrantEffect[] = [];
  private knownLeader: string | null = null;
  private timerHandle: unknown = null;
  private timerAt = Infinity;
  private closing = false;
  /** `start` finished: the mirror has its role and the table is loaded. */
  private started = false;
  /** A planned handover is under way: no new sessions or acquires. */
  private draining = false;
  /** Hellos that came while this broker was being promoted: answered once it serves. */
  private waitingHellos: [Connection, HelloFrame][] = [];
  private adminServer: AdminServer | null = null;
  private readonly events = new BrokerEvents();
  /** What operators see and may do: the admin server's source. */
  readonly admin: BrokerAdmin;
  /** Who may open sessions and lock what: the auth file's principals, if any. */
  private readonly auth: AuthGate;

  constructor(options: BrokerOptions = {}, deps: BrokerDeps = {}) {
    this.options = resolveBrokerOptions(options);
    this.clock = deps.clock ?? systemClock;
    this.timer = deps.timer ?? systemTimer;
    this.logRoot = deps.logger ?? silentLogger;
    this.log = this.logRoot.child({ part: 'broker' });
    this.limits = new LogThrottle(() => this.clock.now());
    // Read before anything listens: a bad file stops the start, naming its line.
    this.auth = new AuthGate(this.options.auth, this.log, () => this.clock.now());
    this.table = this.newTable();
    this.gateway = new WsGateway(
      this.options.transport,
      this.timer,
      this,
      this.logRoot.child({ part: 'transport' }),
      () => this.clock.now(),
    );
    // Subscribes before anything happens, so its history misses nothing.
    this.admin = new BrokerAdmin(this);
  }

  /** Monotonic ms, from the broker's clock. */
  now(): number {
    return this.clock.now();
  }

  /** Every applied command and every grant sent, to whoever listens. Returns the unsubscribe. */
  subscribe(listener: BrokerListener): () => void {
    return this.events.subscribe(listener);
  }

  get port(): number {
    return this.gateway.port;
  }

  get url(): string {
    const { host: bound, tls } = this.options.transport;
    const host = bound.includes(':') ? `[${bound}]` : bound;
    return `${tls ? 'wss' : 'ws'}://${host}:${this.port}`;
  }

  /** Where clients are sent to reach this broker. */
  get advertisedUrl(): string {
    return this.options.transport.advertiseUrl ?? this.url;
  }

  get role(): BrokerRole {
    return this.mirror?.role ?? (this.options.redis ? 'standby' : 'embedded');
  }

  /** The Redis mirror's backlog, lag and data-loss findings; null when embedded. */
  get mirrorStatus(): MirrorStatus | null {
    return this.mirror && this.mirror.role !== 'embedded' ? this.mirror.status() : null;
  }

  /** How much longer strict grants wait after a takeover without a continuous log (0: they do not). */
  get strictGraceMs(): number {
    return Math.max(0, Math.round(this.table.strictGraceEndsAt - this.clock.now()));
  }

  /** The active broker's advertised URL as last seen (this one's own when active); null when none is known or embedded. */
  get leaderUrl(): string | null {
    return this.knownLeader;
  }

  /** Most sessions alive at once, and most open client connections: the caps past which hellos are refused. */
  get caps(): { maxSessions: number; maxConnections: number } {
    return {
      maxSessions: this.options.table.maxSessions,
      maxConnections: this.options.transport.maxConnections,
    };
  }

  /**
   * Whether this broker is a working member of its cluster (what `/readyz`
   * answers): embedded or active and granting, or a standby that follows the
   * log; otherwise why not.
   */
  readiness(): Readiness {
    if (this.closing) return notReady('closing');
    if (this.draining) return notReady('handing-over');
    if (!this.started || this.mirror === null) return notReady('starting');
    return this.mirror.readiness(this.clock.now());
  }

  /** Open WebSocket connections, with or without a session. */
  get connectionCount(): number {
    return this.gateway.connectionCount;
  }

  /** Leader epoch with Redis; 0 when embedded. */
  get epoch(): number {
    return this.mirror?.epoch ?? 0;
  }

  /** The current table's reads (a standby's table is replaced when it reloads). */
  get views(): TableViews {
    return this.table.views;
  }

  get traffic(): Traffic {
    return this.gateway.traffic;
  }

  addressOf(sessionId: string): string | null {
    return this.gateway.addressOf(sessionId);
  }

  /** The admin server's `http://host:port` (`https://` with TLS); null without one. */
  get adminUrl(): string | null {
    return this.adminServer?.url ?? null;
  }

  async start(): Promise<void> {
    warnOnFileLimit(this.options.transport.maxConnections, this.log);
    await this.gateway.listen();
    this.mirror = await this.openMirror();
    await this.mirror.start(this.mirrorHost());
    this.started = true;
    if (this.options.admin) {
      const log = this.logRoot.child({ part: 'admin' });
      this.adminServer = await listenAdmin(this.admin, this.options.admin, log);
    }
    const { role, advertisedUrl: url, adminUrl: admin } = this;
    this.log.info({ url, role, admin }, `listening on ${this.url} (${role})`);
    this.auth.announce(this.url);
  }

  /** The principals of the auth file; null without one (no authentication). */
  get access(): Access | null {
    return this.auth.access;
  }

  /**
   * Reads the auth file again (SIGHUP): a removed or narrowed principal is
   * refused its next hello or acquire, and keeps what it holds. On a bad file
   * the previous principals stay; the error, naming the line, is logged.
   */
  reloadAuth(): ReloadResult {
    return this.auth.reload();
  }

  /** Stops accepting, closes every connection (sessions are not ended) and the mirror. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.log.info('closing');
    await this.adminServer?.close();
    this.admin.close();
    if (this.timerHandle !== null) this.timer.clear(this.timerHandle);
    await this.gateway.close();
    await this.mirror?.close();
  }

  /**
   * A planned stop (SIGTERM): takes no new sessions or acquires, makes the
   * log durable, hands the lead to a standby and sends every client to it,
   * then closes. Sessions, holds and queue places carry over; acquires sent
   * meanwhile are resent by the clients to the new broker, and a release the
   * log missed is given back by its client when it resumes.
   */
  async handOver(): Promise<void> {
    if (this.closing || this.draining) return;
    this.draining = true;
    this.log.info('handing over: no new sessions or acquires');
    const url = this.role === 'active' ? await this.mirror!.handOver() : null;
    if (url) this.log.info({ to: url }, `handed over to ${url}`);
    const redirect: RedirectFrame = url ? { t: 'redirect', url } : { t: 'redirect' };
    // Holders and queue heads first: the next grant waits for them to come back.
    const first = this.table.views.frontOfQueues();
    this.gateway.closeAll(CLOSE_CODES.notLeader, 'the broker handed over', redirect, first);
    await this.close();
  }

  // ---- frames in ----------------------------------------------------------

  /** @internal Called by the gateway. */
  hello(conn: Connection, frame: HelloFrame): void {
    if (frame.v !== PROTOCOL_VERSION) {
      const message = `the broker speaks protocol ${PROTOCOL_VERSION}, the client ${frame.v}`;
      const error = { t: 'error' as const, code: 'UNSUPPORTED_VERSION' as const, message };
      return conn.refuse(error, CLOSE_CODES.unsupportedVersion);
    }
    if (conn.sessionId) {
      return conn.refuse({ t: 'error', code: 'PROTOCOL', message: 'hello was already said' });
    }
    if (!this.auth.admit(conn, frame)) return;
    // About to lead (a handover sends clients here a moment early): they wait rather than bounce.
    if (this.role === 'promoting' && this.waitingHellos.length < MAX_WAITING_HELLOS) {
      this.waitingHellos.push([conn, frame]);
      return;
    }
    if (!this.serving) {
      conn.send(this.knownLeader ? { t: 'redirect', url: this.knownLeader } : { t: 'redirect' });
      return conn.close(CLOSE_CODES.notLeader, 'not the active broker');
    }
    const now = this.clock.now();
    // With auth a session belongs to its principal; without, quotas count by address.
    const owner = conn.principal ?? conn.remoteAddress;
    const effects =
      frame.session !== undefined && frame.secret !== undefined
        ? this.table.resume(now, frame.session, frame.secret, conn.principal ?? undefined)
        : this.table.open(now, {
            sessionId: nanoid(),
            secret: nanoid(),
            owner,
            ...(frame.ttlMs !== undefined && { ttlMs: frame.ttlMs }),
            ...(frame.name !== undefined && { name: frame.name }),
          });
    const first = effects[0];
    if (first?.type === 'refused') {
      if (first.code === 'LIMIT_EXCEEDED') this.limitHit(first.message, conn.remoteAddress);
      return conn.refuse({ t: 'error', code: first.code, message: first.message });
    }
    if (first?.type === 'welcome') this.gateway.bind(conn, first.sessionId);
    this.apply(effects);
  }

  /** @internal Called by the gateway for every frame after hello. */
  command(sessionId: string, frame: Exclude<ClientFrame, HelloFrame>, conn: Connection): void {
    // Handing over: no new work (the client resends its acquire to the next
    // broker), but releases and the rest still land in the log that goes over.
    if (this.draining && frame.t === 'acquire') return;
    const now = this.clock.now();
    const table = this.table;
    switch (frame.t) {
      case 'hb':
        return this.apply(table.heartbeat(now, sessionId, frame.id));
      case 'acquire': {
        const { id: requestId, path } = frame;
        if (!this.auth.mayLock(conn.principal, path)) return forbidden(conn, requestId, path);
        const strict = levelFor(this.options, path, frame.consistency) === 'strict';
        const { wait, timeoutMs, quiet, limit, mode, value, positions, flight } = frame;
        const cmd: AcquireCommand = {
          requestId,
          path,
          wait,
          strict,
          timeoutMs,
          quiet,
          limit,
          mode,
          value,
          positions,
          flight,
        };
        return this.apply(table.acquire(now, sessionId, cmd));
      }
      case 'release': {
        const { id: requestId, path, token, quiet, data, failure } = frame;
        const outcome = data ? { data } : failure !== undefined ? { failure } : undefined;
        return this.apply(
          table.release(now, sessionId, { requestId, path, token, quiet, outcome }),
        );
      }
      case 'cancel':
        return this.apply(table.cancel(now, sessionId, frame.id, frame.target));
      case 'watch': {
        const { id, path } = frame;
        if (!this.auth.mayLock(conn.principal, path)) return forbidden(conn, id, path);
        // Answered here, not by the table, yet renews the session as every answered request does.
        const renewed = table.heartbeat(now, sessionId, id);
        if (renewed[0]?.type !== 'ok') return this.apply(renewed);
        const problem = lockPathProblem(path);
        if (problem) return conn.send({ t: 'error', id, code: 'INVALID_PATH', message: problem });
        if (!this.watches.add(sessionId, id, path)) {
          const message = `a session may watch at most ${MAX_WATCHES_PER_SESSION} paths`;
          return conn.send({ t: 'error', id, code: 'LIMIT_EXCEEDED', message });
        }
        return conn.send(this.watches.frame(id, path));
      }
      case 'position':
        return this.apply(table.position(now, sessionId, frame.id, frame.target));
      case 'unwatch':
        this.watches.remove(sessionId, frame.target);
        return this.apply(table.heartbeat(now, sessionId, frame.id));
      case 'check': {
        const { id: requestId, path, token } = frame;
        if (!this.auth.mayLock(conn.principal, path)) return forbidden(conn, requestId, path);
        return this.apply(table.check(now, sessionId, requestId, path, token));
      }
      case 'bye':
        return this.apply(table.close(now, sessionId, frame.id));
    }
  }

  /**
   * @internal Called by the gateway when a session's connection closed: the
   * session waits for its client at most `limits.maxDetachedMs`.
   */
  detached(sessionId: string): void {
    this.watches.dropSession(sessionId);
    if (!this.serving) return;
    this.table.detach(this.clock.now(), sessionId);
    this.schedule();
  }

  /** Logs a limit a client ran into, at most a line per kind every few seconds. */
  private limitHit(message: string, who: string, address: string | null = null): void {
    const line = (heldBack: number) =>
      this.log.warn(address ? { who, address, heldBack } : { who, heldBack }, `limit: ${message}`);
    this.limits.pass(message, line);
  }

  /** Whether this broker grants: embedded or active, and not handing over. */
  private get serving(): boolean {
    const role = this.role;
    return (role === 'embedded' || role === 'active') && !this.draining;
  }

  // ---- operators' commands -------------------------------------------------

  /**
   * Takes the lock from its holder and grants the next waiter. Null when the
   * lock has no holder, or this broker does not grant: a standby's table
   * follows the active one.
   */
  forceRelease(path: string): { sessionId: string; token: number } | null {
    if (!this.serving) return null;
    const { effects, evicted } = this.table.forceRelease(this.clock.now(), path);
    this.apply(effects);
    return evicted && { sessionId: evicted.sessionId, token: evicted.token };
  }

  /** Ends a session as if it expired now, with reason `forced`. False when unknown or not serving. */
  endSession(id: string): boolean {
    if (!this.serving || !this.table.views.hasSession(id)) return false;
    this.apply(this.table.endSession(this.clock.now(), id));
    return true;
  }

  // ---- effects out --------------------------------------------------------

  private apply(effects: Effect[]): void {
    const entries = this.table.takeJournal();
    // Logged before anything goes out: a strict grant waits for these entries.
    if (entries.length > 0) {
      this.mirror?.append(entries);
      this.watches.applied(entries);
    }
    // Grants go out before plain acks (a release's next holder is who waits),
    // and a session is closed only after its last ack.
    let later: Effect[] | null = null;
    for (const e of effects) {
      if (e.type === 'ok' || e.type === 'ended') (later ??= []).push(e);
      else this.carryOut(e);
    }
    if (later) for (const e of later) this.carryOut(e);
    // History, metrics and the console after the frames: none of them is waited for.
    const wallMs = this.clock.wallMs();
    this.events.emit({ type: 'applied', entries, effects, replayed: false, wallMs });
    this.schedule();
  }

  private carryOut(e: Effect): void {
    if (e.type === 'error' && e.code === 'LIMIT_EXCEEDED') {
      this.limitHit(e.message, e.sessionId, this.gateway.addressOf(e.sessionId));
    }
    switch (e.type) {
      case 'reserveTokens':
        this.reserveTokens(e.issuedUpTo);
        break;
      case 'refused':
        break;
      case 'ended':
        this.watches.dropSession(e.sessionId);
        this.gateway.closeSession(e.sessionId, CLOSE_CODES.sessionEnded, ENDED_WHY[e.reason]);
        break;
      case 'grant':
        this.grant(e);
        break;
      case 'welcome':
        this.welcome(e);
        break;
      default:
        this.gateway.send(e.sessionId, frameOf(e));
    }
  }

  /**
   * Efficient grants go out at once while the leader lease is surely ours;
   * strict grants once the log entry that made them is durable.
   */
  private grant(e: GrantEffect): void {
    if (e.strict) this.whenDurable(() => this.sendIfHeld(e));
    else if (this.mirror!.mayGrant(this.clock.now())) this.sendGrant(e);
    else this.heldGrants.push(e);
  }

  private sendGrant(e: GrantEffect): void {
    this.gateway.send(e.sessionId, frameOf(e), true);
    this.events.emit({ type: 'granted', grant: e, now: this.clock.now() });
    this.watches.granted(e.path, e.token);
  }

  /** A new session is welcomed once it is durable, so a failover cannot lose it. */
  private welcome(e: WelcomeEffect): void {
    if (e.resumed) return this.gateway.send(e.sessionId, frameOf(e));
    this.whenDurable(() => this.gateway.send(e.sessionId, frameOf(e)));
  }

  /** Runs `send` once everything journaled so far is durable, unless this broker stopped serving that table meanwhile. */
  private whenDurable(send: () => void): void {
    const table = this.table;
    this.mirror!.whenDurable(() => {
      if (table === this.table && this.serving) send();
    });
  }

  /** A grant that waited (durability, lease) goes out only if its hold was not taken back meanwhile. */
  private sendIfHeld(e: GrantEffect): void {
    if (this.table.views.isHeld(e.sessionId, e.path, e.token)) return this.sendGrant(e);
    // Taken back (forced, revoked, expired) before the client heard of it: its
    // acquire must not wait for a grant that will never come.
    const message = `the grant of ${e.path} was taken back before it could be sent`;
    this.gateway.send(e.sessionId, { t: 'error', id: e.requestId, code: 'LOCK_LOST', message });
  }

  private reserveTokens(issuedUpTo: number, attempt = 0): void {
    const table = this.table;
    // Above every token granted by now, not just when the block was asked for.
    const floor = Math.max(issuedUpTo, table.lastToken);
    this.mirror!.reserve(floor, this.options.tokenBlockSize).then(
      (block) => {
        if (table !== this.table) return;
        try {
          this.apply(table.addTokens(this.clock.now(), block.start, block.limit));
        } catch (err) {
          // The table stays asking; ask again above what it has now.
          this.log.warn({ err }, 'token block refused');
          this.timer.set(() => this.reserveTokens(table.lastToken, attempt + 1), 50);
        }
      },
      (err: Error) => {
        if (this.closing || table !== this.table) return;
        this.log.warn({ err }, 'token reservation failed, retrying');
        const delayMs = backoffMs(attempt, { minMs: 50, maxMs: 5_000, jitter: 0 });
        this.timer.set(() => this.reserveTokens(issuedUpTo, attempt + 1), delayMs);
      },
    );
  }

  /** Arms the one timer for the table's next deadline, unless it is armed earlier already. */
  private schedule(): void {
    if (this.closing || !this.serving) return;
    const at = this.table.nextDeadline();
    if (at >= this.timerAt) return;
    if (this.timerHandle !== null) this.timer.clear(this.timerHandle);
    this.timerAt = at;
    // +1: a timer may fire a fraction of a millisecond early.
    const delayMs = Math.max(0, Math.ceil(at - this.clock.now()) + 1);
    this.timerHandle = this.timer.set(() => {
      // After a stall, frames that renew sessions may be waiting in the sockets:
      // Node runs timers before reading them, setImmediate after.
      setImmediate(() => {
        this.timerHandle = null;
        this.timerAt = Infinity;
        this.flushHeldGrants();
        if (this.serving) this.apply(this.table.tick(this.clock.now()));
      });
    }, delayMs);
  }

  // ---- the mirror ---------------------------------------------------------

  private async openMirror(): Promise<Mirror> {
    const redis = this.options.redis;
    if (!redis)
      return new EmbeddedMirror(new FileTokenStore(this.options.dataDir, this.clock.wallMs));
    // Loaded only when used: ioredis adds about 20 MB to an embedded broker's RSS.
    const { RedisMirror } = await import('./mirror/redis-mirror.js');
    return new RedisMirror(redis, {
      // Known only now that the port is bound.
      me: `${nanoid()} ${this.advertisedUrl}`,
      dataDir: this.options.dataDir,
      strictGraceMs: this.options.table.maxSessionTtlMs,
    });
  }

  private mirrorHost(): MirrorHost {
    return {
      now: () => this.clock.now(),
      wallMs: () => this.clock.wallMs(),
      restore: (snapshot) => this.restore(snapshot),
      replay: (entries) => this.replay(entries),
      snapshot: () => this.table.snapshot(),
      lastToken: () => this.table.lastToken,
      event: (e) => this.mirrorEvent(e),
      log: this.logRoot.child({ part: 'mirror' }),
      timer: this.timer,
    };
  }

  private mirrorEvent(e: MirrorEvent): void | Promise<void> {
    switch (e.type) {
      case 'promote':
        return this.promote(e.epoch, e.strictGraceMs);
      case 'reseeded':
        return this.log.warn(
          { epoch: e.epoch },
          `active (epoch ${e.epoch}): Redis lost data, the table was written anew`,
        );
      case 'demote':
        return this.demote(e.leaderUrl);
      case 'leader':
        return this.leaderSeen(e.url);
      case 'lease':
        if (e.valid) return this.flushHeldGrants();
        if (this.role !== 'active') return;
        this.log.warn('leader lease unconfirmed: strict locks taken back');
        return this.apply(this.table.revokeStrict(this.clock.now()));
    }
  }

  private newTable(): LockTable {
    // Always journaled: the history is made from it, and with Redis the mirror sends it on.
    return new LockTable({ ...this.options.table, journal: true });
  }

  private restore(snapshot: TableSnapshot | null): void {
    this.table = this.newTable();
    this.events.emit({ type: 'restored' });
    if (snapshot) this.table.restore(this.clock.now(), snapshot);
  }

  private replay(entries: JournalEntry[]): void {
    this.table.replay(this.clock.now(), entries);
    const wallMs = this.clock.wallMs();
    this.events.emit({ type: 'applied', entries, effects: [], replayed: true, wallMs });
  }

  /** This broker leads: a token block first, then every session gets a full TTL to come back. */
  private async promote(epoch: number, strictGraceMs: number): Promise<void> {
    const block = await this.firstBlock();
    const now = this.clock.now();
    this.apply(this.table.addTokens(now, block.start, block.limit));
    this.apply(this.table.promote(now, strictGraceMs > 0 ? now + strictGraceMs : -Infinity));
    if (this.role === 'embedded') return;
    const grace =
      strictGraceMs > 0
        ? `; took over without a continuous log: no strict grant for ${strictGraceMs} ms`
        : '';
    this.log.info({ role: 'active', epoch, strictGraceMs }, `active (epoch ${epoch})${grace}`);
  }

  /**
   * A promotion's token block, tried three times: a `WAIT` that falls short
   * while a replica resyncs should not cost a takeover (and an epoch).
   */
  private async firstBlock(): Promise<TokenBlock> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.mirror!.reserve(this.table.lastToken, this.options.tokenBlockSize);
      } catch (err) {
        if (attempt >= 2) throw err;
        const delayMs = backoffMs(attempt, { minMs: 100, maxMs: 200, jitter: 0 });
        await new Promise((resolve) => this.timer.set(() => resolve(null), delayMs));
      }
    }
  }

  private demote(leaderUrl: string | null): void {
    this.leaderSeen(leaderUrl);
    this.heldGrants = [];
    if (this.timerHandle !== null) this.timer.clear(this.timerHandle);
    this.timerHandle = null;
    this.timerAt = Infinity;
    const frame: RedirectFrame = leaderUrl ? { t: 'redirect', url: leaderUrl } : { t: 'redirect' };
    this.gateway.closeAll(CLOSE_CODES.notLeader, 'not the active broker', frame);
    this.log.warn({ role: 'standby', leader: leaderUrl }, 'deposed: now standby');
  }

  private leaderSeen(url: string | null): void {
    this.knownLeader = url;
    this.flushHeldGrants();
    // After a promotion: expiries and timeouts need the timer armed.
    this.schedule();
    const hellos = this.waitingHellos;
    this.waitingHellos = [];
    for (const [conn, frame] of hellos) if (!conn.closed) this.hello(conn, frame);
  }

  /** Sends the efficient grants held back while the lease was unconfirmed, once it is. */
  private flushHeldGrants(): void {
    if (this.heldGrants.length === 0 || !this.mirror?.mayGrant(this.clock.now())) return;
    const held = this.heldGrants;
    this.heldGrants = [];
    for (const e of held) this.sendIfHeld(e);
  }
}

/** Hellos held while promoting; more are sent away as a standby sends them. */
const MAX_WAITING_HELLOS = 100_000;

const ENDED_WHY = {
  closed: 'session closed',
  expired: 'session expired',
  forced: 'session ended by an operator',
} as const;

/** Starts a broker with `options` and resolves once it accepts connections. */
export async function createBroker(
  options: BrokerOptions = {},
  deps: BrokerDeps = {},
): Promise<Broker> {
  const broker = new Broker(options, deps);
  try {
    await broker.start();
  } catch (err) {
    await broker.close();
    throw err;
  }
  return broker;
}

/** The answer to a request for a path the connection's principal may not lock. */
function forbidden(conn: Connection, id: number, path: string): void {
  const message = `${conn.principal ?? 'this principal'} may not lock ${path}`;
  conn.send({ t: 'error', id, code: 'FORBIDDEN', message });
}
