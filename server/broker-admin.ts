import type {
  AdminCounters,
  AdminObserver,
  AdminSource,
  LockDetail,
  LockSummary,
  LocksQuery,
  Overview,
  Page,
  SessionDetail,
  SessionSummary,
} from './admin/admin-types.js';
import type { Effect } from './core/effects.js';
import type { LockTable } from './core/lock-table.js';
import type { History, HistoryEvent } from './history.js';
import type { MirrorStatus } from './mirror/mirror.js';
import type { Traffic } from './transport/connection.js';

/** What the admin view needs of its broker; the broker hands it over at construction. */
export interface AdminHost {
  /** Monotonic ms. */
  now(): number;
  table(): LockTable;
  role(): Overview['role'];
  epoch(): number;
  url(): string;
  connections(): number;
  addressOf(sessionId: string): string | null;
  traffic: Traffic;
  /** The Redis mirror's state; null when embedded. */
  mirror(): MirrorStatus | null;
  /** How much longer strict grants wait after a takeover without a continuous log. */
  strictGraceMs(): number;
  /** Carries out effects of an operator action as the broker does those of a frame. */
  apply(effects: Effect[]): void;
}

/** How often the live stream's listeners get the events since the last call. */
const FRESH_EVERY_MS = 200;

/** The broker as operators see it: views over its table, its history, counters and two actions. */
export class BrokerAdmin implements AdminSource {
  observer: AdminObserver | null = null;
  private readonly startedAt: number;
  private readonly listeners = new Set<(events: HistoryEvent[]) => void>();
  private freshTimer: ReturnType<typeof setInterval> | null = null;
  /** Grant count a second or so ago, for grants/s. */
  private rateMark = { at: 0, grants: 0, perSec: 0 };

  constructor(
    private readonly host: AdminHost,
    private readonly events: History,
  ) {
    this.startedAt = host.now();
    this.rateMark.at = this.startedAt;
  }

  overview(): Overview {
    const { host } = this;
    const counts = host.table().views.counts();
    const mirror = host.mirror();
    return {
      role: host.role(),
      epoch: host.epoch(),
      url: host.url(),
      uptimeMs: Math.round(host.now() - this.startedAt),
      sessions: counts.sessions,
      connections: host.connections(),
      locksHeld: counts.locksHeld,
      waiters: counts.waiters,
      grants: this.events.grants.total,
      grantsPerSec: this.grantsPerSec(),
      strictGraceMs: host.strictGraceMs(),
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
    return this.host.table().views.locks(this.host.now(), q);
  }

  lock(path: string, q: { offset?: number; limit?: number }): LockDetail | null {
    const found = this.host.table().views.lock(this.host.now(), path, q);
    return found && { path, ...found, history: this.events.list(path) };
  }

  sessions(q: { prefix?: string; offset?: number; limit?: number }): Page<SessionSummary> {
    const page = this.host.table().views.sessions(this.host.now(), q);
    const items = page.items.map((s) => ({ ...s, address: this.host.addressOf(s.id) }));
    return { ...page, items };
  }

  session(id: string): SessionDetail | null {
    const s = this.host.table().views.session(this.host.now(), id);
    return s && { ...s, address: this.host.addressOf(id) };
  }

  history(q: { path?: string; limit?: number }): HistoryEvent[] {
    return this.events.list(q.path, q.limit);
  }

  forceRelease(path: string): { sessionId: string; token: number } | null {
    if (!this.serving()) return null;
    const { effects, evicted } = this.host.table().forceRelease(this.host.now(), path);
    this.host.apply(effects);
    return evicted && { sessionId: evicted.sessionId, token: evicted.token };
  }

  endSession(id: string): boolean {
    if (!this.serving()) return false;
    const table = this.host.table();
    if (!table.hasSession(id)) return false;
    this.host.apply(table.endSession(this.host.now(), id));
    return true;
  }

  observe(observer: AdminObserver | null): void {
    this.observer = observer;
  }

  onHistory(listener: (events: HistoryEvent[]) => void): () => void {
    this.listeners.add(listener);
    if (!this.freshTimer) {
      this.events.listen(true);
      this.freshTimer = setInterval(() => this.deliverFresh(), FRESH_EVERY_MS);
      this.freshTimer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size > 0 || !this.freshTimer) return;
      clearInterval(this.freshTimer);
      this.freshTimer = null;
      this.events.listen(false);
    };
  }

  /** Stops the live stream's timer (broker shutdown). */
  close(): void {
    if (this.freshTimer) clearInterval(this.freshTimer);
    this.freshTimer = null;
    this.listeners.clear();
  }

  private deliverFresh(): void {
    const events = this.events.takeFresh();
    if (events.length === 0) return;
    for (const listener of this.listeners) listener(events);
  }

  /** Only a broker that grants may take locks back: a standby's table follows the active one. */
  private serving(): boolean {
    const role = this.host.role();
    return role === 'embedded' || role === 'active';
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
