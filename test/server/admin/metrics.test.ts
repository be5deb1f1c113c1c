import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, startClient } from '../../helpers/harness.js';
import { brokerWithAdmin, call } from './admin-harness.js';

const FAMILIES = {
  baton_sessions: 'gauge',
  baton_connections: 'gauge',
  baton_locks_held: 'gauge',
  baton_waiters: 'gauge',
  baton_grants_total: 'counter',
  baton_releases_total: 'counter',
  baton_queue_leaves_total: 'counter',
  baton_frames_in_total: 'counter',
  baton_frames_out_total: 'counter',
  baton_error_frames_total: 'counter',
  baton_internal_errors_total: 'counter',
  baton_mirror_backlog_entries: 'gauge',
  baton_mirror_lag_p99_seconds: 'gauge',
  baton_role: 'gauge',
  baton_epoch: 'gauge',
  baton_ready: 'gauge',
  baton_sessions_max: 'gauge',
  baton_connections_max: 'gauge',
  baton_build_info: 'gauge',
  baton_acquire_wait_seconds: 'histogram',
  baton_handoff_latency_seconds: 'histogram',
  process_cpu_seconds_total: 'counter',
  nodejs_heap_size_used_bytes: 'gauge',
};

/** The value of one sample (`name` with its labels as written, e.g. `x{reason="released"}`). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no sample ${series} in\n${text}`);
  return Number(line.slice(series.length + 1));
}

describe('/metrics', () => {
  it('exposes every family, and the counts move with the traffic', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const before = await call(admin, '/metrics');
    expect(before.status).toBe(200);
    expect(before.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of Object.entries(FAMILIES)) {
      expect(before.text, name).toContain(`# TYPE ${name} ${type}`);
    }
    expect(sample(before.text, 'baton_grants_total')).toBe(0);
    expect(sample(before.text, 'baton_internal_errors_total')).toBe(0);
    expect(sample(before.text, 'baton_role{role="embedded"}')).toBe(1);
    expect(sample(before.text, 'baton_role{role="active"}')).toBe(0);

    const a = await startClient(broker.url);
    const b = await startClient(broker.url);
    for (let i = 0; i < 3; i++) await (await a.acquire('m/free')).release();
    const held = await a.acquire('m/contended');
    const queued = b.acquire('m/contended');
    await eventually(() => (broker.views.queue('m/contended').queue.length ? true : undefined));
    // Scrapes within a second share one render: the next ones wait it out.
    const scrapeUntil = (ready: (text: string) => boolean): Promise<string> =>
      eventually(async () => {
        const { text } = await call(admin, '/metrics');
        return ready(text) ? text : undefined;
      });
    const during = await scrapeUntil((t) => sample(t, 'baton_waiters') === 1);
    expect(sample(during, 'baton_sessions')).toBe(2);
    expect(sample(during, 'baton_connections')).toBe(2);
    expect(sample(during, 'baton_locks_held')).toBe(1);
    expect(sample(during, 'baton_waiters')).toBe(1);
    await held.release();
    await (await queued).release();
    await eventually(() => (broker.views.queue('m/contended').holder ? undefined : true));

    const after = await scrapeUntil((t) => sample(t, 'baton_grants_total') === 5);
    expect(sample(after, 'baton_releases_total{reason="released"}')).toBe(5);
    expect(sample(after, 'baton_acquire_wait_seconds_count')).toBe(5);
    expect(sample(after, 'baton_handoff_latency_seconds_count')).toBe(1);
    expect(sample(after, 'baton_handoff_latency_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(sample(after, 'baton_frames_in_total')).toBeGreaterThan(
      sample(before.text, 'baton_frames_in_total'),
    );
    expect(sample(after, 'baton_frames_out_total')).toBeGreaterThan(0);
    expect(sample(after, 'baton_waiters')).toBe(0);
  });

  it('says the build, the caps and the readiness', async () => {
    const { admin } = await brokerWithAdmin({ limits: { maxSessions: 1234, maxConnections: 99 } });
    const { text } = await call(admin, '/metrics');
    const file = join(import.meta.dirname, '../../../package.json');
    const { version } = JSON.parse(readFileSync(file, 'utf8')) as { version: string };
    const node = process.versions.node;
    expect(sample(text, `baton_build_info{version="${version}",node="${node}"}`)).toBe(1);
    expect(sample(text, 'baton_sessions_max')).toBe(1234);
    expect(sample(text, 'baton_connections_max')).toBe(99);
    expect(sample(text, 'baton_ready')).toBe(1);
  });

  it('renders at most once a second, however many scrapers ask', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const first = (await call(admin, '/metrics')).text;
    const client = await startClient(broker.url);
    await (await client.acquire('moved')).release();
    const again = (await call(admin, '/metrics')).text;
    expect(again).toBe(first);
    expect(sample(again, 'baton_grants_total')).toBe(0);
  });
});
