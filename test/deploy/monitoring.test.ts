import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokerWithAdmin, call } from '../server/admin/admin-harness.js';

const DEPLOY = join(import.meta.dirname, '../../deploy');

/** Words of PromQL that are not metric names (functions are told apart by their parenthesis). */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names a PromQL expression reads: its identifiers once strings,
 * label matchers, ranges, label lists (`by (…)`) and Grafana variables are
 * taken out, less function names (followed by a parenthesis) and keywords.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const words = [...bare.matchAll(/\b[a-zA-Z_][a-zA-Z0-9_]*\b(?!\s*\()/g)].map((m) => m[0]);
  return words.filter((w) => !KEYWORDS.has(w.toLowerCase()));
}

/** Every `expr:` of the alert rules file, one line each. */
function alertExprs(): string[] {
  const text = readFileSync(join(DEPLOY, 'prometheus/baton-alerts.yml'), 'utf8');
  const exprs = [...text.matchAll(/^\s*expr:\s*(.*)$/gm)].map((m) => (m[1] ?? '').trim());
  // A folded or block scalar would hide the expression from this reader: keep them on one line.
  for (const e of exprs) expect(e, 'an expr on one line').not.toMatch(/^[|>]/);
  return exprs;
}

/** Every panel target's `expr`, and the metric a `label_values(…)` variable reads. */
function dashboardExprs(): string[] {
  const text = readFileSync(join(DEPLOY, 'grafana/baton-dashboard.json'), 'utf8');
  const exprs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'expr' && typeof value === 'string') exprs.push(value);
      else if (typeof value === 'string' && value.startsWith('label_values(')) {
        exprs.push(value.slice('label_values('.length).split(',')[0] ?? '');
      } else walk(value);
    }
  };
  walk(JSON.parse(text));
  return exprs;
}

/**
 * The names a scrape can hold: every family's `# TYPE` name, a histogram's
 * `_bucket`, `_sum` and `_count` samples, and every sample's name. A family
 * with labels and no sample yet (an error code never sent) has its TYPE line.
 */
function exportedNames(scrape: string): Set<string> {
  const names = new Set<string>();
  for (const line of scrape.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      names.add(name);
      if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
    } else if (line !== '' && !line.startsWith('#')) {
      names.add(line.split(/[{ ]/)[0] ?? '');
    }
  }
  return names;
}

/** Names the expressions read that the broker does not export, with where each is used. */
function unknownNames(exprs: string[], exported: Set<string>): string[] {
  return exprs.flatMap((e) =>
    metricNames(e)
      .filter((n) => !exported.has(n))
      .map((n) => `${n} in ${e}`),
  );
}

async function scrape(): Promise<Set<string>> {
  const { admin } = await brokerWithAdmin();
  const answer = await call(admin, '/metrics');
  expect(answer.status).toBe(200);
  return exportedNames(answer.text);
}

describe('the dashboard and the alert rules', () => {
  it('read only metrics a running broker exports', async () => {
    const exported = await scrape();
    const alerts = alertExprs();
    const panels = dashboardExprs();
    expect(unknownNames(alerts, exported)).toEqual([]);
    expect(unknownNames(panels, exported)).toEqual([]);
    // The reader found what the files are about, not nothing.
    const inAlerts = new Set(alerts.flatMap(metricNames));
    for (const name of [
      'baton_role',
      'baton_mirror_lag_p99_seconds',
      'baton_redis_data_loss_total',
      'baton_error_frames_total',
      'baton_sessions_max',
    ]) {
      expect(inAlerts, name).toContain(name);
    }
    const inPanels = new Set(panels.flatMap(metricNames));
    expect(inPanels).toContain('baton_acquire_wait_seconds_bucket');
    expect(inPanels).toContain('baton_build_info');
    expect(inPanels.size).toBeGreaterThan(20);
  });

  it('are caught using a name the broker does not export', async () => {
    const exported = await scrape();
    const invented = [
      'sum by (job) (rate(baton_grants_total{job=~"$job"}[$__rate_interval]))',
      'baton_sessions / baton_session_cap > 0.8',
      'histogram_quantile(0.99, sum by (le) (rate(baton_acquire_wait_bucket[5m])))',
    ];
    expect(unknownNames(invented, exported)).toEqual([
      'baton_session_cap in baton_sessions / baton_session_cap > 0.8',
      'baton_acquire_wait_bucket in histogram_quantile(0.99, sum by (le) (rate(baton_acquire_wait_bucket[5m])))',
    ]);
  });

  it('tell metric names from functions, keywords, labels and variables', () => {
    expect(
      metricNames(
        '(sum by (job) (baton_role{role=~"active|embedded"}) < 1) or absent(baton_role) and on (instance) up offset 5m',
      ),
    ).toEqual(['baton_role', 'baton_role', 'up']);
    expect(metricNames('baton_sessions / ignoring (x) baton_sessions_max > bool 0.8')).toEqual([
      'baton_sessions',
      'baton_sessions_max',
    ]);
  });
});
