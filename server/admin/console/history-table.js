// @ts-check
// Grants, releases and queue leaves, newest first. History only grows at
// its end, so a redraw adds the new events on top and trims the bottom
// instead of rewriting the rows already shown.

import { el, formatMs, formatTime, lockHref, sessionHref } from './dom.js';

/** @typedef {import('./api.js').HistoryEvent} HistoryEvent */

const NUMERIC = new Set(['token', 'duration']);

/** @param {HistoryEvent} e */
const keyOf = (e) =>
  `${e.at}|${e.kind}|${e.path}|${e.sessionId}|${e.token ?? ''}|${e.reason ?? ''}`;

export class HistoryTable {
  /**
   * Put `table` in the page.
   * @param {{ limit: number, withPath: boolean }} options `withPath`: a path column, for the feed of every lock
   */
  constructor({ limit, withPath }) {
    this.limit = limit;
    this.withPath = withPath;
    /** @type {string | null} the key of the newest event shown */
    this.newestKey = null;
    this.tbody = el('tbody');
    const cols = ['time', 'event', ...(withPath ? ['path'] : []), 'session', 'token', 'duration'];
    const head = cols.map((c) => el('th', { class: `col-${c}${NUMERIC.has(c) ? ' num' : ''}` }, c));
    this.table = el(
      'table',
      { class: 'grid history' },
      el('thead', {}, el('tr', {}, ...head)),
      this.tbody,
    );
  }

  /**
   * Shows the last `limit` of `events` (oldest first, as the API sends them).
   * @param {readonly HistoryEvent[]} events
   */
  show(events) {
    const tail = events.slice(-this.limit);
    const seen = this.newestKey === null ? -1 : tail.map(keyOf).lastIndexOf(this.newestKey);
    if (seen === -1) this.tbody.replaceChildren();
    const fresh = tail.slice(seen + 1).reverse();
    const newest = fresh[0];
    if (newest) {
      this.tbody.prepend(...fresh.map((e) => this.row(e)));
      this.newestKey = keyOf(newest);
    } else if (tail.length === 0) {
      this.newestKey = null;
    }
    while (this.tbody.rows.length > this.limit) this.tbody.deleteRow(-1);
  }

  /** @param {HistoryEvent} e */
  row(e) {
    const what = e.kind === 'grant' ? 'grant' : `${e.kind} · ${e.reason ?? '?'}`;
    const cells = [
      el('td', {}, formatTime(e.at)),
      el('td', { class: `event-${e.kind}`, 'data-reason': e.reason }, what),
    ];
    if (this.withPath) {
      cells.push(el('td', { title: e.path }, el('a', { href: lockHref(e.path) }, e.path)));
    }
    cells.push(
      el('td', { title: e.sessionId }, el('a', { href: sessionHref(e.sessionId) }, e.sessionId)),
      el('td', { class: 'num' }, e.token === undefined ? '' : String(e.token)),
      el('td', { class: 'num', title: msTitle(e.kind) }, e.ms === undefined ? '' : formatMs(e.ms)),
    );
    return el('tr', {}, ...cells);
  }
}

/**
 * What the ms column means for each kind of event.
 * @param {HistoryEvent['kind']} kind
 */
function msTitle(kind) {
  if (kind === 'grant') return 'waited in the queue';
  if (kind === 'release') return 'held for';
  return undefined;
}
