// @ts-check
// The broker panel: role, epoch, uptime, counts, grant rate and the Redis
// mirror, and a chart of grants/s, sessions and waiters over the last minutes.

import { el, formatCount, formatMs, setAttr, setText, stat } from './dom.js';
import { TimeChart } from './time-chart.js';

/** @typedef {import('./api.js').Overview} Overview */
/** @typedef {NonNullable<Overview['mirror']>} MirrorView */

/**
 * A label; the value of an overview (and ms since it arrived); when to flag it.
 * @typedef {[string, (o: Overview, ageMs: number) => string, ((o: Overview) => boolean)?]} Field
 */

/** @param {MirrorView} m */
const mirrorLag = (m) => `${formatMs(m.lagP50Ms)} / ${formatMs(m.lagP99Ms)}`;
/** @param {Overview} o */
const isLagging = (o) => o.mirror !== null && o.mirror.state !== 'connected';
/** @param {Overview} o */
const lostData = (o) => o.mirror !== null && o.mirror.dataLosses > 0;

/**
 * How often Redis was found to have lost data, and the last finding.
 * @param {MirrorView | null} m
 */
function dataLoss(m) {
  if (!m) return '—';
  if (m.dataLosses === 0 || !m.lastDataLoss) return 'none seen';
  const { what, detail } = m.lastDataLoss;
  return `${formatCount(m.dataLosses)}; last: ${what} (${detail})`;
}

/** @type {Field[]} */
const FIELDS = [
  ['role', (o) => o.role],
  ['epoch', (o) => (o.role === 'embedded' ? '—' : formatCount(o.epoch))],
  ['uptime', (o, ageMs) => formatMs(o.uptimeMs + ageMs)],
  ['sessions', (o) => formatCount(o.sessions)],
  ['connections', (o) => formatCount(o.connections)],
  ['locks held', (o) => formatCount(o.locksHeld)],
  ['waiters', (o) => formatCount(o.waiters)],
  ['grants/s', (o) => formatCount(o.grantsPerSec)],
  ['grants', (o) => formatCount(o.grants)],
  ['redis mirror', (o) => (o.mirror ? o.mirror.state : 'none (embedded)'), isLagging],
  ['mirror lag p50 / p99', (o) => (o.mirror ? mirrorLag(o.mirror) : '—')],
  ['mirror backlog', (o) => (o.mirror ? formatCount(o.mirror.backlogEntries) : '—')],
  ['redis data loss', (o) => dataLoss(o.mirror), lostData],
  [
    'strict grace',
    (o) => (o.strictGraceMs > 0 ? `${formatMs(o.strictGraceMs)} left` : '—'),
    (o) => o.strictGraceMs > 0,
  ],
];

export class OverviewView {
  /**
   * @param {{ list: HTMLElement, role: HTMLElement, url: HTMLElement, chart: HTMLElement }} nodes
   *   `chart`: where the chart goes
   */
  constructor({ list, role, url, chart }) {
    this.role = role;
    this.url = url;
    /** @type {Overview | null} */
    this.overview = null;
    this.receivedAt = 0;
    this.render = this.render.bind(this);
    this.cells = FIELDS.map(([label, value, warn]) => {
      const dd = el('dd', { 'data-field': label }, '…');
      list.append(stat(label, dd));
      return { dd, value, warn };
    });
    this.chart = new TimeChart({
      name: 'broker',
      label: 'Grants per second, sessions and waiters over the last minutes',
      series: [
        { key: 'grants', label: 'grants/s', color: '--accent', unit: 'rate' },
        { key: 'sessions', label: 'sessions', color: '--ok', unit: 'count', stepped: true },
        { key: 'waiters', label: 'waiters', color: '--warn', unit: 'count', stepped: true },
      ],
    });
    chart.append(this.chart.node);
  }

  /**
   * A fresh overview; the uptime counts on locally from here until the next one.
   * @param {Overview} overview
   */
  update(overview) {
    this.overview = overview;
    this.receivedAt = performance.now();
    this.chart.push(Date.now(), [overview.grantsPerSec, overview.sessions, overview.waiters]);
  }

  render() {
    const o = this.overview;
    if (!o) return;
    const ageMs = performance.now() - this.receivedAt;
    for (const { dd, value, warn } of this.cells) {
      setText(dd, value(o, ageMs));
      if (warn) setAttr(dd, 'class', warn(o) ? 'warn' : '');
    }
    setText(this.role, o.role);
    setAttr(this.role, 'data-role', o.role);
    setText(this.url, o.url);
    this.chart.render();
  }
}
