// One session: client, lease deadline, what it holds and waits for; ending
// it behind a confirmation.

import { ApiError, getJson, postJson } from './api.js';
import { el, formatCount, formatMs, lockHref, resizeRows, setAttr, setText, stat } from './dom.js';
import { renderSoon, singleFlight } from './schedule.js';

const FIELDS = [
  ['name', (s) => s.name || '—'],
  ['address', (s) => s.address ?? 'disconnected'],
  ['expires in', (s, ageMs) => formatMs(s.expiresInMs - ageMs)],
  ['session ttl', (s) => formatMs(s.ttlMs)],
  ['holds', (s) => formatCount(s.held)],
  ['waits', (s) => formatCount(s.waiting)],
];

export class SessionView {
  constructor({ root, notify, onError }) {
    Object.assign(this, { root, notify, onError });
    this.id = null;
    this.detail = null;
    this.gone = false;
    this.fetchedAt = 0;
    this.render = this.render.bind(this);
    this.refresh = singleFlight(() => this.load());
  }

  show(id) {
    this.id = id;
    this.detail = null;
    this.gone = false;
    this.build();
    this.refresh();
  }

  hide() {
    this.id = null;
  }

  async load() {
    const id = this.id;
    if (id === null) return;
    try {
      const detail = await getJson('session', { id });
      if (id !== this.id) return; // another session is shown now
      Object.assign(this, { detail, gone: false, fetchedAt: performance.now() });
    } catch (err) {
      if (id !== this.id) return;
      if (!(err instanceof ApiError) || err.status !== 404) return this.onError(err);
      this.gone = true;
    }
    renderSoon(this.render);
  }

  /** Whether a stream update touched a lock this session holds or waits for. */
  touchedBy(changed) {
    const d = this.detail;
    if (this.id === null || !d) return false;
    return changed.some(
      (path) => d.locks.some((l) => l.path === path) || d.waits.some((w) => w.path === path),
    );
  }

  /** The lease deadline moves with every heartbeat, which the stream does not carry: poll. */
  tick() {
    if (!this.gone) this.refresh();
  }

  build() {
    this.cells = FIELDS.map(([label]) => el('dd', { 'data-field': label }, '…'));
    this.status = el('p', { class: 'muted' });
    this.end = el('button', { type: 'button', class: 'danger', disabled: '' }, 'End session');
    this.end.addEventListener('click', () => this.endSession());
    this.locks = el('tbody');
    this.waits = el('tbody');
    this.root.replaceChildren(
      el('h2', {}, 'Session ', el('code', {}, this.id)),
      this.status,
      el('dl', { class: 'stats' }, ...FIELDS.map(([label], i) => stat(label, this.cells[i]))),
      el('div', { class: 'actions' }, this.end),
      el('h3', {}, 'Holds'),
      table(['path', 'token', 'held for'], this.locks),
      el('h3', {}, 'Waits for'),
      table(['path', 'position', 'request', 'waited'], this.waits),
    );
  }

  render() {
    const d = this.detail;
    setText(
      this.status,
      this.gone ? 'This session has ended (or the broker does not know it).' : '',
    );
    this.end.disabled = this.gone || !d;
    if (!d || d.id !== this.id) return;
    const ageMs = performance.now() - this.fetchedAt;
    FIELDS.forEach(([, value], i) => setText(this.cells[i], value(d, ageMs)));
    fillRows(this.locks, d.locks, (l) => [l.path, String(l.token), formatMs(l.heldMs)]);
    fillRows(this.waits, d.waits, (w) => [
      w.path,
      formatCount(w.position),
      String(w.requestId),
      formatMs(w.waitedMs),
    ]);
  }

  async endSession() {
    const id = this.id;
    const d = this.detail;
    const what = d
      ? `${d.name || id}: releases ${d.held} lock(s) and drops ${d.waiting} wait(s)`
      : id;
    if (!window.confirm(`End session ${id}?\n\n${what}.`)) return;
    try {
      await postJson('session/end', { id });
      this.notify(`Ended session ${id}.`);
    } catch (err) {
      this.onError(err);
    }
    this.refresh();
  }
}

function table(columns, tbody) {
  const head = columns.map((c, i) => el('th', { class: i > 0 ? 'num' : undefined }, c));
  return el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, ...head)), tbody);
}

/** Rows whose first cell links to the lock and the rest are numbers. */
function fillRows(tbody, items, cellsOf) {
  resizeRows(tbody, items.length, () => el('tr', {}));
  items.forEach((item, i) => {
    const row = tbody.rows[i];
    const texts = cellsOf(item);
    if (row.cells.length === 0) {
      row.append(el('td', {}, el('a')), ...texts.slice(1).map(() => el('td', { class: 'num' })));
    }
    const link = row.cells[0].firstChild;
    setText(link, texts[0]);
    setAttr(link, 'href', lockHref(texts[0]));
    texts.slice(1).forEach((t, j) => setText(row.cells[j + 1], t));
  });
}
