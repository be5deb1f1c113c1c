import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { VERSION } from '../version.js';
import type { AdminCounters, AdminSource, Overview } from './admin-types.js';

/** What one scrape reads from the broker: taken once, shared by every family. */
interface Reading {
  overview: Overview;
  counters: AdminCounters;
}

/** A family whose values the broker keeps; a scrape copies them. */
interface ReadFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  /** The label of a family read as `{ labelValue: value }`. */
  label?: string;
  read(r: Reading): number | Record<string, number>;
}

const ROLES: readonly Overview['role'][] = ['embedded', 'standby', 'promoting', 'active'];

type Read = ReadFamily['read'];
const gauge = (name: string, help: string, read: Read, label?: string): ReadFamily => ({
  type: 'gauge',
  name,
  help,
  read,
  ...(label !== undefined && { label }),
});
const counter = (name: string, help: string, read: Read, label?: string): ReadFamily => ({
  ...gauge(name, help, read, label),
  type: 'counter',
});

const READ_FAMILIES: readonly ReadFamily[] = [
  gauge('baton_sessions', 'Open sessions, connected or not.', (r) => r.overview.sessions),
  gauge(
    'baton_sessions_max',
    'Most sessions alive at once (--max-sessions): hellos past it are refused.',
    (r) => r.overview.limits.maxSessions,
  ),
  gauge('baton_connections', 'Open WebSocket connections.', (r) => r.overview.connections),
  gauge(
    'baton_connections_max',
    'Most open client connections (--max-connections): sockets past it are refused.',
    (r) => r.overview.limits.maxConnections,
  ),
  gauge('baton_locks_held', 'Locks with a holder.', (r) => r.overview.locksHeld),
  gauge('baton_waiters', 'Acquires waiting in a queue.', (r) => r.overview.waiters),
  counter('baton_grants_total', 'Locks granted.', (r) => r.counters.grants),
  counter('baton_releases_total', 'Holds ended.', (r) => r.counters.releases, 'reason'),
  counter('baton_queue_leaves_total', 'Waits ended ungranted.', (r) => r.counters.leaves, 'reason'),
  counter('baton_frames_in_total', 'Frames received.', (r) => r.counters.framesIn),
  counter('baton_frames_out_total', 'Frames sent.', (r) => r.counters.framesOut),
  counter('baton_error_frames_total', 'Error frames sent.', (r) => r.counters.errors, 'code'),
  counter(
    'baton_internal_errors_total',
    'Frames whose handling failed unexpectedly (a bug); each closed its connection.',
    (r) => r.counters.internalErrors,
  ),
  gauge('baton_mirror_backlog_entries', 'Log entries not yet durable in Redis.', (r) => {
    return r.overview.mirror?.backlogEntries ?? 0;
  }),
  gauge('baton_mirror_lag_p99_seconds', 'Recent p99 of entry made to entry durable.', (r) => {
    return (r.overview.mirror?.lagP99Ms ?? 0) / 1000;
  }),
  counter('baton_redis_data_loss_total', 'Times Redis was found to have lost data.', (r) => {
    return r.overview.mirror?.dataLosses ?? 0;
  }),
  gauge(
    'baton_strict_grace_seconds',
    'Time left before strict grants resume after a takeover without a continuous log.',
    (r) => {
      return r.overview.strictGraceMs / 1000;
    },
  ),
  gauge('baton_epoch', 'Leader epoch with Redis; 0 when embedded.', (r) => r.overview.epoch),
  gauge(
    'baton_role',
    'The broker role: 1 for the current one.',
    (r) => Object.fromEntries(ROLES.map((role) => [role, role === r.overview.role ? 1 : 0])),
    'role',
  ),
  gauge(
    'baton_ready',
    'Whether the broker is a working member (what /readyz answers): 1 or 0.',
    (r) => (r.overview.readiness.ready ? 1 : 0),
  ),
];

/**
 * prom-client's process and Node.js families, less those whose cost grows
 * with open sockets (they list /proc/self/fd or every handle on each scrape;
 * a scrape took ~16 ms at 10,000 sessions with them, time the lock traffic waits for).
 */
const COSTLY_DEFAULTS = new Set([
  'process_open_fds',
  'nodejs_active_resources',
  'nodejs_active_resources_total',
  'nodejs_active_handles',
  'nodejs_active_handles_total',
  'nodejs_active_requests',
  'nodejs_active_requests_total',
]);

function registerProcessMetrics(registry: Registry): void {
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const { name } of defaults.getMetricsAsArray()) {
    const metric = defaults.getSingleMetric(name);
    if (metric && !COSTLY_DEFAULTS.has(name)) registry.registerMetric(metric);
  }
}

/** How old a served /metrics text may be. */
const MAX_AGE_MS = 1_000;

/** Seconds, from half a millisecond (a handoff on loopback) to a minute (a long queue). */
const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/**
 * The broker's Prometheus families, in a registry of their own (several
 * brokers may share a process, as in tests). Gauges and counters are read from
 * the {@link AdminSource} at scrape time; histograms are fed as grants happen.
 */
export class AdminMetrics {
  private readonly registry = new Registry();
  private reading: Reading | null = null;
  private rendered: { at: number; text: Promise<string> } | null = null;
  private readonly unsubscribe: () => void;

  constructor(private readonly source: AdminSource) {
    registerProcessMetrics(this.registry);
    for (const family of READ_FAMILIES) this.register(family);
    // The usual shape of an info metric: always 1, the facts in its labels.
    new Gauge({
      name: 'baton_build_info',
      help: 'The broker build: always 1, with its version and the Node.js version it runs on.',
      labelNames: ['version', 'node'],
      registers: [this.registry],
    }).set({ version: VERSION, node: process.versions.node }, 1);
    const histogram = (name: string, help: string): Histogram =>
      new Histogram({ name, help, buckets: LATENCY_BUCKETS_S, registers: [this.registry] });
    const waited = histogram('baton_acquire_wait_seconds', 'Time an acquire waited for its grant.');
    const handoff = histogram(
      'baton_handoff_latency_seconds',
      'Time from the command that freed a lock to the grant of its next waiter.',
    );
    this.unsubscribe = source.subscribe((e) => {
      if (e.type !== 'granted' || e.grant.repeat) return;
      waited.observe((e.grant.waitedMs ?? 0) / 1000);
      if (e.grant.madeAt !== undefined) handoff.observe((e.now - e.grant.madeAt) / 1000);
    });
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * The Prometheus text exposition of every family. A render costs the
   * broker's loop most of a millisecond, so scrapes within `MAX_AGE_MS` of
   * one another share one: however many scrapers ask, the lock traffic pays
   * for one render a second.
   */
  render(): Promise<string> {
    const now = this.source.now();
    if (this.rendered && now - this.rendered.at < MAX_AGE_MS) return this.rendered.text;
    const text = this.renderNow();
    this.rendered = { at: now, text };
    // A failed render is not kept.
    text.catch(() => (this.rendered = null));
    return text;
  }

  private async renderNow(): Promise<string> {
    this.reading = null;
    try {
      return await this.registry.metrics();
    } finally {
      this.reading = null;
    }
  }

  /** Stops the histogram feed. */
  close(): void {
    this.unsubscribe();
  }

  private read(): Reading {
    this.reading ??= { overview: this.source.overview(), counters: this.source.counters() };
    return this.reading;
  }

  private register({ name, help, type, label, read }: ReadFamily): void {
    const reading = (): Reading => this.read();
    const labelNames = label === undefined ? [] : [label];
    // A scrape sets each series to the broker's figure: prom-client counters
    // only go up, so a counter is reset and raised to it.
    const fill = (set: (labels: Record<string, string>, value: number) => void): void => {
      const values = read(reading());
      if (typeof values === 'number') return set({}, values);
      for (const [key, value] of Object.entries(values)) set({ [label as string]: key }, value);
    };
    if (type === 'gauge') {
      new Gauge({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          fill((labels, value) => this.set(labels, value));
        },
      });
    } else {
      new Counter({
        name,
        help,
        labelNames,
        registers: [this.registry],
        collect() {
          this.reset();
          fill((labels, value) => this.inc(labels, value));
        },
      });
    }
  }
}
