// @ts-check
// One session: client, lease deadline, what it holds and waits for; ending
// it behind a confirmation.

import { ApiError, getJson, postJson } from './api.js';
import { el, fillRows, formatCount, formatMs, lockHref, setAttr, setText, stat } from './dom.js';
import { renderSoon, singleFlight } from './schedule.js';

/** @typedef {import('./api.js').SessionDetail} SessionDetail */
/** @typedef {(s: SessionDetail, ageMs: number) => string} FieldValue */

/** @type {[string, FieldValue][]} */
const FIELDS = [
  ['name', (s) => s.name || '—'],
  ['address', (s) => s.address ?? 'disconnected'],
  ['expires in', (s, ageMs) => formatMs(s.expiresInMs - ageMs)],
  ['session ttl', (s) => formatMs(s.ttlMs)],
  ['holds', (s) => formatCount(s.held)],
  ['waits', (s) => formatCount(s.waiting)],
];

/**
 * What the view builds for each session it shows.
 * @typedef {object} SessionNodes
 * @property {{ dd: HTMLElement, value: FieldValue }[]} fields
 * @property {HTMLElement} status
 * @property {HTMLButtonElement} end
 * @property {HTMLTableSectionElement} locks
 * @property {HTMLTableSectionElement} waits
 */

/**
 * @typedef {object} DetailViewOptions
 * @property {HTMLElement} root the view replaces its children
 * @property {(text: string) => void} notify reports an action that went through
 * @property {(err: unknown) => void} onError
 */

export class SessionView {
  /** @param {DetailViewOptions} options */
  constructor({ root, notify, onError }) {
    this.root = root;
    this.notify = notify;
    this.onError = onError;
    /** @type {string | null} the session shown */
    this.id = null;
    /** @type {SessionNodes | null} */
    this.nodes = null;
    /** @type {SessionDetail | null} */
    this.detail = null;
    this.gone = false;
    this.fetchedAt = 0;
    this.render = this.render.bind(this);
    this.refresh = singleFlight(() => this.load());
  }

  /** @param {string} id */
  show(id) {
    this.id = id;
    this.detail = null;
    this.gone = false;
    this.nodes = this.build(id);
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
      this.detail = detail;
      this.gone = false;
      this.fetchedAt = performance.now();
    } catch (err) {
      if (id !== this.id) return;
      if (!(err instanceof ApiError) || err.status !== 404) return this.onError(err);
      this.gone = true;
    }
    renderSoon(this.render);
  }

  /**
   * Whether a stream update touched a lock this session holds or waits for.
   * @param {readonly string[]} changed
   */
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

  /**
   * @param {string} id
   * @returns {SessionNodes}
   */
  build(id) {
    const fields = FIELDS.map(([label, value]) => ({
      label,
      value,
      dd: el('dd', { 'data-field': label }, '…'),
    }));
    const nodes = {
      fields,
      status: el('p', { class: 'muted' }),
      end: el('button', { type: 'button', class: 'danger', disabled: '' }, 'End session'),
      locks: el('tbody'),
      waits: el('tbody'),
    };
    nodes.end.addEventListener('click', () => this.endSession());
    this.root.replaceChildren(
      el('h2', {}, 'Session ', el('code', {}, id)),
      nodes.status,
      el('dl', { class: 'stats' }, ...fields.map((f) => stat(f.label, f.dd))),
      el('div', { class: 'actions' }, nodes.end),
      el('h3', {}, 'Holds'),
      table(['path', 'token', 'held for'], nodes.locks),
      el('h3', {}, 'Waits for'),
      table(['path', 'position', 'request', 'waited'], nodes.waits),
    );
    return nodes;
  }

  render() {
    const { detail: d, nodes: n } = this;
    if (!n) return;
    setText(n.status, this.gone ? 'This session has ended (or the broker does not know it).' : '');
    n.end.disabled = this.gone || !d;
    if (!d || d.id !== this.id) return;
    const ageMs = performance.now() - this.fetchedAt;
    for (const { dd, value } of n.fields) setText(dd, value(d, ageMs));
    fillLockRows(n.locks, d.locks, (l) => [String(l.token), formatMs(l.heldMs)]);
    fillLockRows(n.waits, d.waits, (w) => [
      formatCount(w.position),
      String(w.requestId),
      formatMs(w.waitedMs),
    ]);
  }

  async endSession() {
    const id = this.id;
    if (id === null) return;
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

/**
 * @param {string[]} columns
 * @param {HTMLTableSectionElement} tbody
 */
function table(columns, tbody) {
  const head = columns.map((c, i) => el('th', { class: i > 0 ? 'num' : undefined }, c));
  return el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, ...head)), tbody);
}

/**
 * Rows whose first cell links to the lock and the rest are numbers.
 * @template {{ path: string }} T
 * @param {HTMLTableSectionElement} tbody
 * @param {readonly T[]} items
 * @param {(item: T) => string[]} numbersOf
 */
function fillLockRows(tbody, items, numbersOf) {
  fillRows(
    tbody,
    items,
    () => el('tr', {}),
    (row, item) => {
      const numbers = numbersOf(item);
      if (row.cells.length === 0) {
        row.append(el('td', {}, el('a')), ...numbers.map(() => el('td', { class: 'num' })));
      }
      const [pathCell, ...numberCells] = row.cells;
      const link = pathCell?.firstElementChild;
      if (link) {
        setText(link, item.path);
        setAttr(link, 'href', lockHref(item.path));
      }
      numberCells.forEach((cell, j) => setText(cell, numbers[j] ?? ''));
    },
  );
}
