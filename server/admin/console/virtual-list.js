// A scrolling list of fixed-height rows that keeps only the visible rows (and
// a few either side) in the DOM, so a queue of 100,000 costs what 40 rows do.

import { el } from './dom.js';
import { renderSoon } from './schedule.js';

/** Rows drawn above and below the visible ones, so a fast scroll shows no gap. */
const OVERSCAN_ROWS = 8;

export class VirtualList {
  /**
   * `getItem(index)`: the item, or undefined while its page loads.
   * `fillRow(row, item, index)`: writes a row (item undefined: a placeholder).
   * `onRange(first, last)`: the indexes now drawn, so the owner can load them.
   */
  constructor({ viewport, rowHeight, makeRow, fillRow, getItem, onRange }) {
    Object.assign(this, { viewport, rowHeight, makeRow, fillRow, getItem, onRange });
    this.total = 0;
    this.rows = [];
    this.spacer = el('div', { class: 'vlist-spacer' });
    viewport.replaceChildren(this.spacer);
    this.render = this.render.bind(this);
    viewport.addEventListener('scroll', () => renderSoon(this.render), { passive: true });
  }

  setTotal(total) {
    this.total = total;
    this.spacer.style.height = `${total * this.rowHeight}px`;
    renderSoon(this.render);
  }

  /** Rewrites every drawn row on the next frame (new data, or times that counted on). */
  redraw() {
    for (const row of this.rows) row.item = null;
    renderSoon(this.render);
  }

  render() {
    // Reads first (scroll position, size), then writes, so a frame lays out once.
    const { scrollTop, clientHeight } = this.viewport;
    const visible = Math.ceil(clientHeight / this.rowHeight) + 1;
    this.ensurePool(visible + 2 * OVERSCAN_ROWS);
    const first = Math.max(0, Math.floor(scrollTop / this.rowHeight) - OVERSCAN_ROWS);
    const last = Math.min(this.total, first + this.rows.length) - 1;
    // Row i always lives in slot i % pool size: scrolling by one row rewrites one row.
    const used = new Set();
    for (let i = first; i <= last; i++) {
      const slot = this.rows[i % this.rows.length];
      used.add(slot);
      const item = this.getItem(i);
      if (slot.index === i && slot.item === item && item !== undefined) continue;
      slot.index = i;
      slot.item = item;
      slot.node.style.transform = `translateY(${i * this.rowHeight}px)`;
      slot.node.hidden = false;
      this.fillRow(slot.node, item, i);
    }
    for (const slot of this.rows) {
      if (!used.has(slot) && !slot.node.hidden) {
        slot.node.hidden = true;
        slot.index = -1;
      }
    }
    if (last >= first) this.onRange(first, last);
  }

  ensurePool(size) {
    while (this.rows.length < size) {
      const node = this.makeRow();
      node.classList.add('vlist-row');
      node.style.height = `${this.rowHeight}px`;
      node.hidden = true;
      this.spacer.append(node);
      this.rows.push({ node, index: -1, item: null });
    }
  }
}
