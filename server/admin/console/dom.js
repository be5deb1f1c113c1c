// Small DOM and formatting helpers. Views write through setText/setAttr,
// which skip unchanged values, so a redraw touches only what changed.

/** Creates `<tag>` with attributes (`class`, `data-*`, …) and children (strings or nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/** Sets `name` to `value`, or removes it when `value` is null. */
export function setAttr(node, name, value) {
  if (node.getAttribute(name) === value) return;
  if (value === null) node.removeAttribute(name);
  else node.setAttribute(name, value);
}

/** One label and value of a `<dl class="stats">`, grouped so the grid keeps them together. */
export function stat(label, dd) {
  return el('div', {}, el('dt', {}, label), dd);
}

/** Makes `tbody` have exactly `count` rows, adding with `makeRow()` or removing from the end. */
export function resizeRows(tbody, count, makeRow) {
  while (tbody.rows.length < count) tbody.append(makeRow());
  while (tbody.rows.length > count) tbody.lastElementChild.remove();
}

/** A link to a lock or session view; the router reads the hash. */
export function lockHref(path) {
  return `#lock=${encodeURIComponent(path)}`;
}

export function sessionHref(id) {
  return `#session=${encodeURIComponent(id)}`;
}

/** 950 ms, 12.3 s, 4 m 05 s, 2 h 03 m, 3 d 04 h. */
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

const pad = (n) => String(n).padStart(2, '0');

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function formatCount(n) {
  return integer.format(n);
}

/** Wall-clock time of day with ms, as events are read side by side. */
export function formatTime(at) {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
