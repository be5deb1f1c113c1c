// @ts-check
// One lock: its holder, a chart of its queue over time, its queue in order
// (virtualised: only the visible rows exist) and its recent history;
// force-release behind a confirmation.

import { ApiError, getJson, postJson } from './api.js';
import { el, formatCount, formatMs, sessionHref, setAttr, setText, stat } from './dom.js';
import { HistoryTable } from './history-table.js';
import { PageCache } from './page-cache.js';
import { renderSoon, singleFlight } from './schedule.js';
import { TimeChart } from './time-chart.js';
import { VirtualList } from './virtual-list.js';

/** @typedef {import('./api.js').LockDetail} LockDetail */
/** @typedef {import('./api.js').WaiterView} WaiterView */
/** @typedef {import('./api.js').QueueFigures} QueueFigures */
/** @typedef {import('./session-view.js').DetailViewOptions} DetailViewOptions */
/**
 * A lock's detail; `unknown`: the broker has forgotten the lock (idle), so only its history is known.
 * @typedef {LockDetail & { unknown?: true }} LockShown
 */
/**
 * A queue row and the cells it writes.
 * @typedef {object} WaiterRow
 * @property {HTMLElement} node
 * @property {HTMLElement} pos
 * @property {HTMLAnchorElement} link
 * @property {HTMLElement} name
 * @property {HTMLElement} request
 * @property {HTMLElement} waited
 */

/**
 * What the view builds for each lock it shows. A new one each time, so an
 * answer for a lock shown before finds it replaced and is dropped.
 * @typedef {object} LockNodes
 * @property {string} path
 * @property {{ kind: HTMLElement, holder: HTMLElement, name: HTMLElement, value: HTMLElement, token: HTMLElement, held: HTMLElement, queueTitle: HTMLElement, release: HTMLButtonElement }} parts
 * @property {HistoryTable} history
 * @property {PageCache<WaiterView>} queue
 * @property {VirtualList<WaiterView, WaiterRow>} list
 * @property {TimeChart} chart the queue over time, from the moment the lock is shown
 * @property {{ waiting: number, longestWaitMs: number, at: number } | null} queueNow
 *   the newest figures and when (wall-clock ms) they were true
 */

const ROW_HEIGHT_PX = 24;
const QUEUE_PAGE = 100;
const HISTORY_ROWS = 100;

export class LockView {
  /** @param {DetailViewOptions} options */
  constructor({ root, notify, onError }) {
    this.root = root;
    this.notify = notify;
    this.onError = onError;
    /** @type {LockNodes | null} */
    this.shown = null;
    /** @type {LockShown | null} */
    this.detail = null;
    this.fetchedAt = 0;
    this.render = this.render.bind(this);
    this.refresh = singleFlight(() => this.load());
  }

  /** @param {string} path */
  show(path) {
    this.hide();
    this.detail = null;
    this.shown = this.build(path);
    this.refresh();
  }

  /** Forgets the lock shown, and its chart with it: memory holds one lock's samples at most. */
  hide() {
    this.shown?.chart.destroy();
    this.shown = null;
  }

  /** Reloads the holder, history and the queue page in view; other pages are dropped. */
  async load() {
    const shown = this.shown;
    if (!shown) return;
    const { path, queue, list } = shown;
    const offset = queue.pageOffset(Math.floor(list.viewport.scrollTop / ROW_HEIGHT_PX));
    try {
      const detail = await fetchDetail(path, offset).catch((err) => missing(path, err));
      if (shown !== this.shown) return; // another lock (or this one anew) is shown now
      this.detail = detail;
      this.fetchedAt = performance.now();
      // The page in view starts at the head only when scrolled to the top.
      const head = detail.queue.offset === 0 ? (detail.queue.items[0]?.waitedMs ?? 0) : null;
      this.sampleQueue(detail.queue.total, head);
      queue.reset();
      queue.put(detail.queue);
      list.setTotal(detail.queue.total);
      list.redraw();
      renderSoon(this.render);
    } catch (err) {
      if (shown === this.shown) this.onError(err);
    }
  }

  /**
   * Whether a stream update touched this lock.
   * @param {readonly string[]} changed
   */
  touchedBy(changed) {
    return this.shown !== null && changed.includes(this.shown.path);
  }

  /**
   * A stream update: the chart takes a sample at each, with the figures the
   * update brings for this lock or, when it has none, the last ones.
   * @param {readonly QueueFigures[]} queues
   */
  onUpdate(queues) {
    const shown = this.shown;
    if (!shown) return;
    const q = queues.find((x) => x.path === shown.path);
    if (q) this.sampleQueue(q.waiting, q.longestWaitMs);
    else if (shown.queueNow) this.sampleQueue(shown.queueNow.waiting, null);
  }

  /** The stream went down: the chart's lines break until it is back. */
  gap() {
    this.shown?.chart.gap(Date.now());
  }

  /**
   * Samples the queue now. `longestWaitMs` null: unknown now, so counted on
   * from the last figures (the head waits on until an event changes it).
   * @param {number} waiting
   * @param {number | null} longestWaitMs
   */
  sampleQueue(waiting, longestWaitMs) {
    const shown = this.shown;
    if (!shown) return;
    const now = Date.now();
    const last = shown.queueNow;
    const headMs =
      waiting === 0 ? 0 : (longestWaitMs ?? (last ? last.longestWaitMs + now - last.at : 0));
    shown.queueNow = { waiting, longestWaitMs: headMs, at: now };
    shown.chart.push(now, [waiting, headMs]);
    renderSoon(shown.chart.render);
  }

  /** Times that count on between refreshes (held for, waited). */
  tick() {
    renderSoon(this.render);
    this.shown?.list.redraw();
    if (this.shown) renderSoon(this.shown.chart.render);
  }

  /**
   * @param {string} path
   * @returns {LockNodes}
   */
  build(path) {
    const parts = {
      kind: el('dd', { 'data-field': 'kind' }, '…'),
      holder: el('dd', { 'data-field': 'holder' }, '…'),
      name: el('dd', { 'data-field': 'name' }),
      value: el('dd', { 'data-field': 'value' }),
      token: el('dd', { 'data-field': 'token' }),
      held: el('dd', { 'data-field': 'held' }),
      queueTitle: el('h3', {}, 'Queue'),
      release: el('button', { type: 'button', class: 'danger', disabled: '' }, 'Force release'),
    };
    const history = new HistoryTable({ limit: HISTORY_ROWS, withPath: false });
    parts.release.addEventListener('click', () => this.forceRelease());
    const viewport = el('div', { class: 'vlist', tabindex: '0', 'data-list': 'queue' });
    const chart = new TimeChart({
      name: 'queue',
      label: `The queue of ${path} over the last minutes: waiters and how long the head has waited`,
      series: [
        { key: 'waiting', label: 'waiting', color: '--warn', unit: 'count', stepped: true },
        { key: 'head', label: 'head waited', color: '--accent', unit: 'ms' },
      ],
    });
    this.root.replaceChildren(
      el('h2', {}, 'Lock ', el('code', {}, path)),
      el(
        'dl',
        { class: 'stats' },
        stat('kind', parts.kind),
        stat('holder', parts.holder),
        stat('name', parts.name),
        stat('value', parts.value),
        stat('token', parts.token),
        stat('held for', parts.held),
      ),
      el('div', { class: 'actions' }, parts.release),
      chart.node,
      parts.queueTitle,
      el(
        'div',
        { class: 'vlist-head' },
        ...['#', 'session', 'name', 'request', 'waited'].map((h) => el('span', {}, h)),
      ),
      viewport,
      el('h3', {}, 'History'),
      history.table,
    );
    const queue = new PageCache({
      pageSize: QUEUE_PAGE,
      load: (offset, limit) => fetchDetail(path, offset, limit).then((d) => d.queue),
      onLoad: () => list.redraw(),
      onError: this.onError,
    });
    const list = new VirtualList({
      viewport,
      rowHeight: ROW_HEIGHT_PX,
      makeRow: makeWaiterRow,
      fillRow: (row, item, index) => this.fillWaiter(row, item, index),
      getItem: (index) => queue.get(index),
      onRange: (first, last) => queue.ensure(first, last),
    });
    return { path, parts, history, queue, list, chart, queueNow: null };
  }

  /**
   * @param {WaiterRow} row
   * @param {WaiterView | undefined} w undefined while its page loads
   * @param {number} index
   */
  fillWaiter(row, w, index) {
    const ageMs = performance.now() - this.fetchedAt;
    setText(row.pos, formatCount(w ? w.position : index + 1));
    setText(row.link, w ? w.sessionId : '…');
    setAttr(row.link, 'href', w ? sessionHref(w.sessionId) : null);
    setText(row.name, w ? w.name : '');
    setText(
      row.request,
      w ? (w.mode === 'read' ? `${w.requestId} · read` : String(w.requestId)) : '',
    );
    const eta = w?.etaMs === undefined ? '' : ` · next in ~${formatMs(w.etaMs)}`;
    setText(row.waited, w ? formatMs(w.waitedMs + ageMs) + eta : '');
  }

  render() {
    const { shown, detail: d } = this;
    if (!shown || !d || d.path !== shown.path) return;
    const p = shown.parts;
    const h = d.holder;
    setText(p.kind, kindText(d));
    // Several holders (a semaphore, readers): each a link, with its mode and token.
    const state =
      d.holders.map((x) => `${x.sessionId}#${x.token}`).join(' ') ||
      (d.unknown ? 'forgotten' : 'free');
    if (p.holder.dataset.state !== state) {
      p.holder.dataset.state = state;
      if (d.holders.length > 1) {
        const links = d.holders.map((x) =>
          el(
            'a',
            { href: sessionHref(x.sessionId), title: `${x.mode}, token ${x.token}` },
            x.sessionId,
          ),
        );
        p.holder.replaceChildren(...links.flatMap((a, i) => (i === 0 ? [a] : [', ', a])));
      } else if (h)
        p.holder.replaceChildren(el('a', { href: sessionHref(h.sessionId) }, h.sessionId));
      else p.holder.replaceChildren(d.unknown ? 'free (no recent activity)' : 'free');
    }
    setText(p.name, h ? h.name : '—');
    // A leader's value (what observers are told), if its acquire gave one.
    setText(p.value, h?.value ?? '—');
    setText(p.token, h ? String(h.token) : '—');
    setText(p.held, h ? formatMs(h.heldMs + performance.now() - this.fetchedAt) : '—');
    p.release.disabled = h === null;
    setText(p.queueTitle, `Queue (${formatCount(d.queue.total)} waiting)`);
    shown.history.show(d.history);
  }

  async forceRelease() {
    const path = this.shown?.path;
    const h = this.detail?.holder;
    if (path === undefined || !h) return;
    const who = h.name ? `${h.name} (${h.sessionId})` : h.sessionId;
    const question = `Force-release ${path}?\n\nTakes it from ${who}, token ${h.token}; the next waiter gets it.`;
    if (!window.confirm(question)) return;
    try {
      const { released } = await postJson('lock/release', { path });
      this.notify(`Released ${path} from ${released.sessionId} (token ${released.token}).`);
    } catch (err) {
      this.onError(err);
    }
    this.refresh();
  }
}

/** @returns {WaiterRow} */
function makeWaiterRow() {
  const link = el('a');
  const [pos, name, request, waited] = [el('span'), el('span'), el('span'), el('span')];
  const node = el('div', { class: 'waiter' }, pos, el('span', {}, link), name, request, waited);
  return { node, pos, link, name, request, waited };
}

/**
 * @param {string} path
 * @param {number} offset
 * @param {number} [limit]
 * @returns {Promise<LockShown>}
 */
function fetchDetail(path, offset, limit = QUEUE_PAGE) {
  return getJson('lock', { path, offset, limit });
}

/**
 * "mutex", "semaphore: 2 of 3 held", "read/write: 4 readers" or "read/write: a writer".
 * @param {LockShown} d
 */
function kindText(d) {
  const n = d.holders.length;
  if (d.kind === 'semaphore') return `semaphore: ${n} of ${d.limit} held`;
  if (d.kind !== 'rw') return 'mutex';
  if (n === 0) return 'read/write';
  return d.holders[0]?.mode === 'read' ? `read/write: ${n} reading` : 'read/write: a writer';
}

/**
 * A lock nobody holds or waits for is forgotten (404); its history is still there.
 * @param {string} path
 * @param {unknown} err
 * @returns {Promise<LockShown>}
 */
async function missing(path, err) {
  if (!(err instanceof ApiError) || err.status !== 404) throw err;
  const { events } = await getJson('history', { path, limit: HISTORY_ROWS });
  const queue = { items: [], total: 0, offset: 0, limit: QUEUE_PAGE };
  const none = { kind: /** @type {const} */ ('mutex'), limit: 1, holder: null, holders: [] };
  return { path, ...none, queue, history: events, unknown: /** @type {const} */ (true) };
}
