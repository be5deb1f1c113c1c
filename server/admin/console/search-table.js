// A table of one page of /api/locks or /api/sessions, narrowed by the
// prefix typed into its search form. Rows are reused between refreshes and
// cells rewritten only when their text changes.

import { getJson } from './api.js';
import { el, formatCount, resizeRows, setAttr, setText } from './dom.js';
import { renderSoon, singleFlight } from './schedule.js';

const TYPING_PAUSE_MS = 200;

/**
 * `columns`: `{ text(item, ageMs), href?(item), num? }` per cell; `ageMs` is
 * how long ago the page was fetched, for times that count on between fetches.
 * `params(form)` turns the search form into query parameters.
 */
export class SearchTable {
  constructor({ endpoint, form, tbody, total, columns, params, limit, onError }) {
    Object.assign(this, { endpoint, form, tbody, total, columns, params, limit, onError });
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
      const page = await getJson(this.endpoint, { ...this.params(this.form), limit: this.limit });
      this.page = page;
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
    resizeRows(this.tbody, page.items.length, () => this.makeRow());
    page.items.forEach((item, i) => this.fillRow(this.tbody.rows[i], item, ageMs));
    const shown = page.items.length;
    setText(this.total, shown < page.total ? `${shown} of ${formatCount(page.total)}` : '');
  }

  makeRow() {
    const cells = this.columns.map((c) =>
      el('td', { class: c.num ? 'num' : undefined }, c.href ? el('a') : ''),
    );
    return el('tr', {}, ...cells);
  }

  fillRow(row, item, ageMs) {
    this.columns.forEach((column, i) => {
      const cell = row.cells[i];
      const text = column.text(item, ageMs);
      const link = cell.firstElementChild;
      if (!link) return setText(cell, text);
      setText(link, text);
      setAttr(link, 'href', column.href(item));
      // Long ids and paths are cut short in the table; the full text shows on hover.
      setAttr(cell, 'title', text);
    });
  }
}
