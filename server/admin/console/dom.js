// @ts-check
// Small DOM and formatting helpers. Views write through setText/setAttr,
// which skip unchanged values, so a redraw touches only what changed.

/**
 * Creates `<tag>` with attributes (`class`, `data-*`, …; undefined ones left
 * out) and children (strings or nodes).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | undefined>} [attrs]
 * @param {(string | Node)[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

/**
 * The element `id` of index.html, which must be a `type`: a page that lost
 * one fails at start, naming it, rather than on first use.
 * @template {HTMLElement} T
 * @param {string} id
 * @param {new () => T} type
 * @returns {T}
 */
export function byId(id, type) {
  const node = document.getElementById(id);
  if (node instanceof type) return node;
  throw new Error(`the console page has no ${type.name} #${id}`);
}

/**
 * The input or select called `name` in `form`.
 * @param {HTMLFormElement} form
 * @param {string} name
 */
export function formField(form, name) {
  const field = form.elements.namedItem(name);
  if (field instanceof HTMLInputElement || field instanceof HTMLSelectElement) return field;
  throw new Error(`form #${form.id} has no field ${name}`);
}

/**
 * @param {Node} node
 * @param {string} text
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/**
 * Sets `name` to `value`, or removes it when `value` is null.
 * @param {Element} node
 * @param {string} name
 * @param {string | null} value
 */
export function setAttr(node, name, value) {
  if (node.getAttribute(name) === value) return;
  if (value === null) node.removeAttribute(name);
  else node.setAttribute(name, value);
}

/**
 * One label and value of a `<dl class="stats">`, grouped so the grid keeps them together.
 * @param {string} label
 * @param {HTMLElement} dd
 */
export function stat(label, dd) {
  return el('div', {}, el('dt', {}, label), dd);
}

/**
 * Makes `tbody` have one row per item, adding with `makeRow()` or removing
 * from the end, and has `fill` write each row.
 * @template T
 * @param {HTMLTableSectionElement} tbody
 * @param {readonly T[]} items
 * @param {() => HTMLTableRowElement} makeRow
 * @param {(row: HTMLTableRowElement, item: T) => void} fill
 */
export function fillRows(tbody, items, makeRow, fill) {
  while (tbody.rows.length < items.length) tbody.append(makeRow());
  while (tbody.rows.length > items.length) tbody.deleteRow(-1);
  items.forEach((item, i) => {
    const row = tbody.rows[i];
    if (row) fill(row, item); // always: the loops above made one row per item
  });
}

/**
 * A link to a lock or session view; the router reads the hash.
 * @param {string} path
 */
export function lockHref(path) {
  return `#lock=${encodeURIComponent(path)}`;
}

/** @param {string} id */
export function sessionHref(id) {
  return `#session=${encodeURIComponent(id)}`;
}

/**
 * 950 ms, 12.3 s, 4 m 05 s, 2 h 03 m, 3 d 04 h.
 * @param {number} ms
 */
export function formatMs(ms) {
  if (!Number.isFinite(ms)) return '—';
  const v = Math.max(0, Math.round(ms));
  if (v < 1_000) return `${v} ms`;
  if (v < 60_000) return `${(v / 1_000).toFixed(1)} s`;
  const s = Math.floor(v / 1_000);
  if (s < 3_600) return `${Math.floor(s / 60)} m ${pad(s % 60)} s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)} h ${pad(Math.floor(s / 60) % 60)} m`;
  return `${Math.floor(s / 86_400)} d ${pad(Math.floor(s / 3_600) % 24)} h`;
}

/** @param {number} n */
const pad = (n) => String(n).padStart(2, '0');

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** @param {number} n */
export function formatCount(n) {
  return integer.format(n);
}

/**
 * Wall-clock time of day with ms, as events are read side by side.
 * @param {number} at
 */
export function formatTime(at) {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
