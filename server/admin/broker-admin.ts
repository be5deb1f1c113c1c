import type { Access } from '../auth/access.js';
import type { BrokerListener } from '../broker-events.js';
import type { Timer } from '../clock.js';
import type { TableViews } from '../core/table-views.js';
import type { MirrorStatus } from '../mirror/mirror.js';
import { NOT_READY_REASONS, type Readiness } from '../readiness.js';
import type { Traffic } from '../transport/connection.js';
import type {
  AdminCounters,
  AdminPrincipal,
  AdminSource,
  LockDetail,
  LockSummary,
  LocksQuery,
  Overview,
  Page,
  ReadyReply,
  SessionDetail,
  SessionSummary,
} from './admin-types.js';
import { VERSION } from '../version.js';
import { History, type HistoryEvent } from './history.js';

/** What the admin side reads of its broker: the broker's public face. */
export interface AdminHost {
  /** Monotonic ms. */
  now(): number;
  readonly timer: Timer;
  /** The current table's reads (a standby's table is replaced when it reloads). */
  readonly views: TableViews;
  readonly role: Overview['role'];
  readonly epoch: number;
  readonly advertisedUrl: string;
  readonly leaderUrl: string | null;
  readonly caps: Overview['limits'];
  readiness(): Readiness;
  readonly connectionCount: number;
  addressOf(sessionId: string): string | null;
  readonly traffic: Traffic;
  /** The Redis mirror's state; null when embedded. */
  readonly mirrorStatus: MirrorStatus | null;
  /** How much longer strict grants wait after a takeover without a continuous log. */
  readonly strictGraceMs: number;
  forceRelease(path: string): { sessionId: string; token: number } | null;
  endSession(id: string): boolean;
  subscribe(listener: BrokerListener): () => void;
  /** The auth file's principals; null without one. */
  readonly access: Access | null;
}

/** How often the live stream's listeners get the events since the last call. */
const FRESH_EVERY_MS = 200;

/**
 * The broker as operators see it: views over its table, a history made from
 * the events it publishes, counters and two actions.
 */
export class BrokerAdmin implements AdminSource {
  private readonly startedAt: number;
  private readonly events = new History();
  private readonly listeners = new Set<(events: HistoryEvent[]) => void>();
  private freshTimer: unknown = null;
  /** Grant count a second or so ago, for grants/s. */
  private rateMark = { at: 0, grants: 0, perSec: 0 };

  readonly timer: Timer;

  constructor(private readonly host: AdminHost) {
    this.timer = host.timer;
    this.startedAt = host.now();
    this.rateMark.at = this.startedAt;
    host.subscribe((e) => {
      if (e.type === 'applied') {
        if (e.entries.length > 0) this.events.record(e.entries, e.wallMs);
      } else if (e.type === 'restored') {
        this.events.reset();
      }
    });
  }

  now(): number {
    return this.host.now();
  }

  overview(): Overview {
    const { host } = this;
    const counts = host.views.counts();
    const mirror = host.mirrorStatus;
    return {
      role: host.role,
      readiness: host.readiness(),
      epoch: host.epoch,
      url: host.advertisedUrl,
      leaderUrl: host.leaderUrl,
      version: VERSION,
      uptimeMs: Math.round(host.now() - this.startedAt),
      sessions: counts.sessions,
      connections: host.connectionCount,
      locksHeld: counts.locksHeld,
      waiters: counts.waiters,
      grants: this.events.grants.total,
      grantsPerSec: this.grantsPerSec(),
      strictGraceMs: host.strictGraceMs,
      limits: host.caps,
      mirror: mirror && {
        state: mirror.backlogEntries > 0 ? 'backlog' : 'connected',
        backlogEntries: mirror.backlogEntries,
        lagP50Ms: mirror.lag.p50,
        lagP99Ms: mirror.lag.p99,
        generation: mirror.generation,
        dataLosses: mirror.dataLosses,
        lastDataLoss: mirror.lastDataLoss,
      },
    };
  }

  readiness(): ReadyReply {
    const { host } = this;
    const readiness = host.readiness();
    const { role, strictGraceMs } = host;
    if (readiness.ready) return { ready: true, role, strictGraceMs };
    const { reason } = readiness;
    return { ready: false, role, reason, detail: NOT_READY_REASONS[reason], strictGraceMs };
  }

  counters(): AdminCounters {
    const { traffic } = this.host;
    return {
      grants: this.events.grants.total,
      releases: { ...this.events.releases },
      leaves: { ...this.events.leaves },
      framesIn: traffic.framesIn,
      framesOut: traffic.framesOut,
      errors: { ...traffic.errors },
      internalErrors: traffic.internalErrors,
    };
  }

  locks(q: LocksQuery): Page<LockSummary> {
    return this.host.views.locks(this.host.now(), q);
  }

  isCurrent(path: string, token: number): boolean {
    return this.host.views.isCurrent(path, token);
  }

  lock(path: string, q: { offset?: number; limit?: number }): LockDetail | null {
    const found = this.host.views.lock(this.host.now(), path, q);
    return found && { path, ...found, history: this.events.list(path) };
  }

  sessions(q: {
    prefix?: string;
    within?: readonly string[];
    offset?: number;
    limit?: number;
  }): Page<SessionSummary> {
    const page = this.host.views.sessions(this.host.now(), q);
    const items = page.items.map((s) => ({ ...s, address: this.host.addressOf(s.id) }));
    return { ...page, items };
  }

  session(id: string): SessionDetail | null {
    const s = this.host.views.session(this.host.now(), id);
    return s && { ...s, address: this.host.addressOf(id) };
  }

  history(q: { path?: string; limit?: number }): HistoryEvent[] {
    return this.events.list(q.path, q.limit);
  }

  forceRelease(path: string): { sessionId: string; token: number } | null {
    return this.host.forceRelease(path);
  }

  endSession(id: string): boolean {
    return this.host.endSession(id);
  }

  subscribe(listener: BrokerListener): () => void {
    return this.host.subscribe(listener);
  }

  principalByToken(token: string): AdminPrincipal | null {
    // Read at each request: a reload (SIGHUP) applies to the admin API at once.
    return this.host.access?.principals.byToken(token) ?? null;
  }

  get hasPrincipals(): boolean {
    return this.host.access !== null;
  }

  onHistory(listener: (events: HistoryEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1) {
      this.events.listen(true);
      this.armFresh();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Stops the live stream's timer (broker shutdown). */
  close(): void {
    if (this.freshTimer !== null) this.host.timer.clear(this.freshTimer);
    this.freshTimer = null;
    this.listeners.clear();
    this.events.listen(false);
  }

  private armFresh(): void {
    this.freshTimer = this.host.timer.set(() => {
      const events = this.events.takeFresh();
      for (const listener of events.length > 0 ? this.listeners : []) listener(events);
      if (this.listeners.size > 0) this.armFresh();
      else this.freshTimer = null;
    }, FRESH_EVERY_MS);
  }

  private grantsPerSec(): number {
    const now = this.host.now();
    const mark = this.rateMark;
    const elapsed = now - mark.at;
    if (elapsed >= 1_000) {
      mark.perSec = Math.round(((this.events.grants.total - mark.grants) * 1_000) / elapsed);
      mark.at = now;
      mark.grants = this.events.grants.total;
    }
    return mark.perSec;
  }
}
