// @ts-check
// A scrolling list of fixed-height rows that keeps only the visible rows (and
// a few either side) in the DOM, so a queue of 100,000 costs what 40 rows do.

import { el } from './dom.js';
import { renderSoon } from './schedule.js';

/** Rows drawn above and below the visible ones, so a fast scroll shows no gap. */
const OVERSCAN_ROWS = 8;

/**
 * A row of the owner's making: its `node`, and whatever else it keeps to
 * fill it (its cells, say).
 * @typedef {{ node: HTMLElement }} RowBase
 */

/**
 * @template T
 * @template {RowBase} R
 * @typedef {object} VirtualListOptions
 * @property {HTMLElement} viewport the scrolling element; the list owns its children
 * @property {number} rowHeight px
 * @property {() => R} makeRow
 * @property {(row: R, item: T | undefined, index: number) => void} fillRow writes a row (item undefined: a placeholder)
 * @property {(index: number) => T | undefined} getItem the item, or undefined while its page loads
 * @property {(first: number, last: number) => void} onRange the indexes now drawn, so the owner can load them
 */

/**
 * A pooled row, the index it shows (-1: none) and the item it was filled
 * with (null: to be rewritten whatever the item).
 * @template T, R
 * @typedef {{ row: R, index: number, item: T | undefined | null }} Slot
 */

/**
 * @template T
 * @template {RowBase} R
 */
export class VirtualList {
  /** @param {VirtualListOptions<T, R>} options */
  constructor({ viewport, rowHeight, makeRow, fillRow, getItem, onRange }) {
    this.viewport = viewport;
    this.rowHeight = rowHeight;
    this.makeRow = makeRow;
    this.fillRow = fillRow;
    this.getItem = getItem;
    this.onRange = onRange;
    this.total = 0;
    /** @type {Slot<T, R>[]} */
    this.slots = [];
    this.spacer = el('div', { class: 'vlist-spacer' });
    viewport.replaceChildren(this.spacer);
    this.render = this.render.bind(this);
    viewport.addEventListener('scroll', () => renderSoon(this.render), { passive: true });
  }

  /** @param {number} total */
  setTotal(total) {
    this.total = total;
    this.spacer.style.height = `${total * this.rowHeight}px`;
    renderSoon(this.render);
  }

  /** Rewrites every drawn row on the next frame (new data, or times that counted on). */
  redraw() {
    for (const slot of this.slots) slot.item = null;
    renderSoon(this.render);
  }

  render() {
    // Reads first (scroll position, size), then writes, so a frame lays out once.
    const { scrollTop, clientHeight } = this.viewport;
    const visible = Math.ceil(clientHeight / this.rowHeight) + 1;
    this.ensurePool(visible + 2 * OVERSCAN_ROWS);
    const first = Math.max(0, Math.floor(scrollTop / this.rowHeight) - OVERSCAN_ROWS);
    const last = Math.min(this.total, first + this.slots.length) - 1;
    // Row i always lives in slot i % pool size: scrolling by one row rewrites one row.
    /** @type {Set<Slot<T, R>>} */
    const used = new Set();
    for (let i = first; i <= last; i++) {
      const slot = this.slots[i % this.slots.length];
      if (!slot) break; // never: the pool is at least one row
      used.add(slot);
      const item = this.getItem(i);
      if (slot.index === i && slot.item === item && item !== undefined) continue;
      slot.index = i;
      slot.item = item;
      slot.row.node.style.transform = `translateY(${i * this.rowHeight}px)`;
      slot.row.node.hidden = false;
      this.fillRow(slot.row, item, i);
    }
    for (const slot of this.slots) {
      if (!used.has(slot) && !slot.row.node.hidden) {
        slot.row.node.hidden = true;
        slot.index = -1;
      }
    }
    if (last >= first) this.onRange(first, last);
  }

  /** @param {number} size */
  ensurePool(size) {
    while (this.slots.length < size) {
      const row = this.makeRow();
      row.node.classList.add('vlist-row');
      row.node.style.height = `${this.rowHeight}px`;
      row.node.hidden = true;
      this.spacer.append(row.node);
      this.slots.push({ row, index: -1, item: null });
    }
  }
}
