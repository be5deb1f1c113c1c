// @ts-check
// A table of one page of /api/locks or /api/sessions, narrowed by the
// prefix typed into its search form. Rows are reused between refreshes and
// cells rewritten only when their text changes.

import { getJson } from './api.js';
import { el, fillRows, formatCount, setAttr, setText } from './dom.js';
import { renderSoon, singleFlight } from './schedule.js';

/** @typedef {import('./api.js').GetReplies} GetReplies */
/** @typedef {'locks' | 'sessions'} ListEndpoint */
/**
 * @template {ListEndpoint} E
 * @typedef {GetReplies[E]['items'][number]} ItemOf
 */

/**
 * One cell per item: its text (`ageMs`: how long ago the page was fetched,
 * for times that count on between fetches), a link when `href` is given
 * (null: none for this item), right-aligned when `num`.
 * @template T
 * @typedef {object} Column
 * @property {(item: T, ageMs: number) => string} text
 * @property {(item: T) => string | null} [href]
 * @property {boolean} [num]
 */

/**
 * @template {ListEndpoint} E
 * @typedef {object} SearchTableOptions
 * @property {E} endpoint
 * @property {HTMLFormElement} form
 * @property {HTMLTableSectionElement} tbody
 * @property {HTMLElement} total says how many of how many are shown
 * @property {Column<ItemOf<E>>[]} columns
 * @property {(form: HTMLFormElement) => import('./api.js').QueryParams} params the search form as query parameters
 * @property {number} limit
 * @property {(err: unknown) => void} onError
 */

const TYPING_PAUSE_MS = 200;

/** @template {ListEndpoint} E */
export class SearchTable {
  /** @param {SearchTableOptions<E>} options */
  constructor({ endpoint, form, tbody, total, columns, params, limit, onError }) {
    this.endpoint = endpoint;
    this.form = form;
    this.tbody = tbody;
    this.total = total;
    this.columns = columns;
    this.params = params;
    this.limit = limit;
    this.onError = onError;
    /** @type {import('./api.js').Page<ItemOf<E>> | null} */
    this.page = null;
    this.fetchedAt = 0;
    this.render = this.render.bind(this);
    this.refresh = singleFlight(() => this.load());
    let typing = 0;
    form.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => this.refresh(), TYPING_PAUSE_MS);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.refresh();
    });
  }

  async load() {
    try {
      this.page = await getJson(this.endpoint, { ...this.params(this.form), limit: this.limit });
      this.fetchedAt = performance.now();
      renderSoon(this.render);
    } catch (err) {
      this.onError(err);
    }
  }

  render() {
    const page = this.page;
    if (!page) return;
    const ageMs = performance.now() - this.fetchedAt;
    fillRows(
      this.tbody,
      page.items,
      () => this.makeRow(),
      (row, item) => this.fillRow(row, item, ageMs),
    );
    const shown = page.items.length;
    setText(this.total, shown < page.total ? `${shown} of ${formatCount(page.total)}` : '');
  }

  makeRow() {
    const cells = this.columns.map((c) =>
      el('td', { class: c.num ? 'num' : undefined }, c.href ? el('a') : ''),
    );
    return el('tr', {}, ...cells);
  }

  /**
   * @param {HTMLTableRowElement} row
   * @param {ItemOf<E>} item
   * @param {number} ageMs
   */
  fillRow(row, item, ageMs) {
    this.columns.forEach((column, i) => {
      const cell = row.cells[i];
      if (!cell) return; // never: makeRow made one per column
      const text = column.text(item, ageMs);
      const link = cell.firstElementChild;
      if (!link || !column.href) return setText(cell, text);
      setText(link, text);
      setAttr(link, 'href', column.href(item));
      // Long ids and paths are cut short in the table; the full text shows on hover.
      setAttr(cell, 'title', text);
    });
  }
}
