// One lock: its holder, its queue in order (virtualised: only the visible
// rows exist) and its recent history; force-release behind a confirmation.

import { ApiError, getJson, postJson } from './api.js';
import { el, formatCount, formatMs, sessionHref, setAttr, setText, stat } from './dom.js';
import { HistoryTable } from './history-table.js';
import { PageCache } from './page-cache.js';
import { renderSoon, singleFlight } from './schedule.js';
import { VirtualList } from './virtual-list.js';

const ROW_HEIGHT_PX = 24;
const QUEUE_PAGE = 100;
const HISTORY_ROWS = 100;

export class LockView {
  constructor({ root, notify, onError }) {
    Object.assign(this, { root, notify, onError });
    this.path = null;
    this.detail = null;
    this.fetchedAt = 0;
    this.render = this.render.bind(this);
    this.refresh = singleFlight(() => this.load());
  }

  show(path) {
    this.path = path;
    this.detail = null;
    this.build();
    this.refresh();
  }

  hide() {
    this.path = null;
  }

  /** Reloads the holder, history and the queue page in view; other pages are dropped. */
  async load() {
    const { path, queue } = this;
    if (path === null) return;
    const offset = queue.pageOffset(this.firstVisible());
    try {
      const detail = await this.fetchDetail(path, offset).catch((err) => this.missing(path, err));
      if (queue !== this.queue) return; // another lock (or this one anew) is shown now
      this.detail = detail;
      this.fetchedAt = performance.now();
      this.queue.reset();
      this.queue.put(detail.queue);
      this.list.setTotal(detail.queue.total);
      this.list.redraw();
      renderSoon(this.render);
    } catch (err) {
      if (queue === this.queue) this.onError(err);
    }
  }

  fetchDetail(path, offset, limit = QUEUE_PAGE) {
    return getJson('lock', { path, offset, limit });
  }

  /** A lock nobody holds or waits for is forgotten (404); its history is still there. */
  async missing(path, err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    const { events } = await getJson('history', { path, limit: HISTORY_ROWS });
    const queue = { items: [], total: 0, offset: 0, limit: QUEUE_PAGE };
    return { path, holder: null, queue, history: events, unknown: true };
  }

  /** Whether a stream update touched this lock. */
  touchedBy(changed) {
    return this.path !== null && changed.includes(this.path);
  }

  /** Times that count on between refreshes (held for, waited). */
  tick() {
    renderSoon(this.render);
    this.list.redraw();
  }

  firstVisible() {
    return Math.floor(this.list.viewport.scrollTop / ROW_HEIGHT_PX);
  }

  build() {
    this.parts = {
      holder: el('dd', { 'data-field': 'holder' }, '…'),
      name: el('dd', { 'data-field': 'name' }),
      token: el('dd', { 'data-field': 'token' }),
      held: el('dd', { 'data-field': 'held' }),
      queueTitle: el('h3', {}, 'Queue'),
      release: el('button', { type: 'button', class: 'danger', disabled: '' }, 'Force release'),
    };
    const p = this.parts;
    this.history = new HistoryTable({ limit: HISTORY_ROWS, withPath: false });
    p.release.addEventListener('click', () => this.forceRelease());
    const viewport = el('div', { class: 'vlist', tabindex: '0', 'data-list': 'queue' });
    this.root.replaceChildren(
      el('h2', {}, 'Lock ', el('code', {}, this.path)),
      el(
        'dl',
        { class: 'stats' },
        stat('holder', p.holder),
        stat('name', p.name),
        stat('token', p.token),
        stat('held for', p.held),
      ),
      el('div', { class: 'actions' }, p.release),
      p.queueTitle,
      el(
        'div',
        { class: 'vlist-head' },
        ...['#', 'session', 'name', 'request', 'waited'].map((h) => el('span', {}, h)),
      ),
      viewport,
      el('h3', {}, 'History'),
      this.history.table,
    );
    this.queue = new PageCache({
      pageSize: QUEUE_PAGE,
      load: (offset, limit) => this.fetchDetail(this.path, offset, limit).then((d) => d.queue),
      onLoad: () => this.list.redraw(),
      onError: this.onError,
    });
    this.list = new VirtualList({
      viewport,
      rowHeight: ROW_HEIGHT_PX,
      makeRow: () =>
        el(
          'div',
          { class: 'waiter' },
          el('span'),
          el('span', {}, el('a')),
          el('span'),
          el('span'),
          el('span'),
        ),
      fillRow: (row, item, index) => this.fillWaiter(row, item, index),
      getItem: (index) => this.queue.get(index),
      onRange: (first, last) => this.queue.ensure(first, last),
    });
  }

  fillWaiter(row, w, index) {
    const [pos, session, name, request, waited] = row.children;
    const ageMs = performance.now() - this.fetchedAt;
    setText(pos, formatCount(w ? w.position : index + 1));
    setText(session.firstChild, w ? w.sessionId : '…');
    setAttr(session.firstChild, 'href', w ? sessionHref(w.sessionId) : null);
    setText(name, w ? w.name : '');
    setText(request, w ? String(w.requestId) : '');
    setText(waited, w ? formatMs(w.waitedMs + ageMs) : '');
  }

  render() {
    const d = this.detail;
    if (!d || d.path !== this.path) return;
    const p = this.parts;
    const h = d.holder;
    const state = h ? h.sessionId : d.unknown ? 'forgotten' : 'free';
    if (p.holder.dataset.state !== state) {
      p.holder.dataset.state = state;
      if (h) p.holder.replaceChildren(el('a', { href: sessionHref(h.sessionId) }, h.sessionId));
      else p.holder.replaceChildren(d.unknown ? 'free (no recent activity)' : 'free');
    }
    setText(p.name, h ? h.name : '—');
    setText(p.token, h ? String(h.token) : '—');
    setText(p.held, h ? formatMs(h.heldMs + performance.now() - this.fetchedAt) : '—');
    p.release.disabled = h === null;
    setText(p.queueTitle, `Queue (${formatCount(d.queue.total)} waiting)`);
    this.history.show(d.history);
  }

  async forceRelease() {
    const path = this.path;
    const h = this.detail?.holder;
    if (!h) return;
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
