// @ts-check
// The console: wires the views to the API and the live stream, and routes
// #lock=PATH and #session=ID to the detail views.

import { ApiError, getJson, onUnauthorized } from './api.js';
import { byId, formatCount, formatMs, formField, lockHref, sessionHref } from './dom.js';
import { openEventStream } from './event-stream.js';
import { HistoryTable } from './history-table.js';
import { LockView } from './lock-view.js';
import { OverviewView } from './overview-view.js';
import { renderSoon, throttle } from './schedule.js';
import { SearchTable } from './search-table.js';
import { SessionView } from './session-view.js';
import { TokenDialog } from './token-dialog.js';

/** @typedef {import('./api.js').HistoryEvent} HistoryEvent */
/** @typedef {import('./api.js').StreamUpdate} StreamUpdate */

const LIST_ROWS = 15;
const FEED_ROWS = 30;
const TICK_MS = 1_000;
/** Lists also refresh without events: waits grow and leases move with heartbeats. */
const LIST_POLL_MS = 3_000;
const NOTICE_MS = 8_000;

const notice = byId('notice', HTMLElement);
let noticeTimer = 0;

/**
 * @param {string} text
 * @param {'ok' | 'error'} [kind]
 */
function notify(text, kind = 'ok') {
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => (notice.hidden = true), NOTICE_MS);
}

/** @param {unknown} err */
function reportError(err) {
  if (err instanceof ApiError && err.status === 401) return; // the token dialog says it
  notify(err instanceof Error ? err.message : String(err), 'error');
}

const overview = new OverviewView({
  list: byId('overview', HTMLElement),
  role: byId('role', HTMLElement),
  url: byId('broker-url', HTMLElement),
  chart: byId('broker-chart', HTMLElement),
});

const locks = new SearchTable({
  endpoint: 'locks',
  form: byId('locks-search', HTMLFormElement),
  tbody: byId('locks', HTMLTableSectionElement),
  total: byId('locks-total', HTMLElement),
  limit: LIST_ROWS,
  params: (form) => ({
    prefix: formField(form, 'prefix').value,
    sort: formField(form, 'sort').value,
  }),
  onError: reportError,
  columns: [
    { text: (l) => l.path, href: (l) => lockHref(l.path) },
    {
      text: (l) =>
        l.holders.length > 1
          ? `${l.holders.length} holders (${l.kind === 'rw' ? 'readers' : `of ${l.limit}`})`
          : l.holder
            ? l.holder.name || l.holder.sessionId
            : 'free',
      href: (l) => (l.holder ? sessionHref(l.holder.sessionId) : null),
    },
    { text: (l) => formatCount(l.waiting), num: true },
    { text: (l, ageMs) => (l.waiting > 0 ? formatMs(l.longestWaitMs + ageMs) : '—'), num: true },
  ],
});

const sessions = new SearchTable({
  endpoint: 'sessions',
  form: byId('sessions-search', HTMLFormElement),
  tbody: byId('sessions', HTMLTableSectionElement),
  total: byId('sessions-total', HTMLElement),
  limit: LIST_ROWS,
  params: (form) => ({ prefix: formField(form, 'prefix').value }),
  onError: reportError,
  columns: [
    { text: (s) => s.id, href: (s) => sessionHref(s.id) },
    { text: (s) => s.name || '—' },
    { text: (s) => formatCount(s.held), num: true },
    { text: (s) => formatCount(s.waiting), num: true },
    { text: (s, ageMs) => formatMs(s.expiresInMs - ageMs), num: true },
  ],
});

const feed = new HistoryTable({ limit: FEED_ROWS, withPath: true });
byId('events', HTMLElement).append(feed.table);
/** @type {HistoryEvent[]} */
let recent = [];
const renderFeed = () => feed.show(recent);

const detailRoot = byId('detail', HTMLElement);
const detailHint = [...detailRoot.childNodes];
const lockView = new LockView({ root: detailRoot, notify, onError: reportError });
const sessionView = new SessionView({ root: detailRoot, notify, onError: reportError });
/** @type {LockView | SessionView | null} */
let current = null;

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const lock = params.get('lock');
  const session = params.get('session');
  current?.hide();
  current = null;
  if (lock !== null) {
    current = lockView;
    lockView.show(lock);
  } else if (session !== null) {
    current = sessionView;
    sessionView.show(session);
  } else {
    detailRoot.replaceChildren(...detailHint);
  }
}

const refreshLists = throttle(() => {
  locks.refresh();
  sessions.refresh();
}, TICK_MS);
const refreshDetail = throttle(() => current?.refresh(), 250);

async function loadOverview() {
  try {
    overview.update(await getJson('overview'));
    renderSoon(overview.render);
  } catch (err) {
    reportError(err);
  }
}

/** Everything afresh: at start, after a new token, after the stream reconnects. */
function reloadAll() {
  loadOverview();
  locks.refresh();
  sessions.refresh();
  current?.refresh();
}

/**
 * @param {string} type
 * @param {string} data
 */
function onStreamEvent(type, data) {
  if (type !== 'update') return;
  /** @type {StreamUpdate} */
  let update;
  try {
    update = JSON.parse(data);
  } catch {
    return; // a torn or foreign event: the next one carries the whole overview again
  }
  overview.update(update.overview);
  renderSoon(overview.render);
  lockView.onUpdate(update.queues);
  if (update.history.length > 0) {
    // An update can carry thousands of events; only the feed's rows are kept.
    recent = recent.concat(update.history.slice(-FEED_ROWS)).slice(-FEED_ROWS);
    renderSoon(renderFeed);
  }
  if (update.changed.length > 0) refreshLists();
  if (current?.touchedBy(update.changed)) refreshDetail();
}

const live = byId('live', HTMLElement);
let streamOpened = false;
const stream = openEventStream('/api/events', {
  onEvent: onStreamEvent,
  // Updates missed while the stream was down are not replayed: reload instead.
  onOpen() {
    if (streamOpened) reloadAll();
    streamOpened = true;
  },
  onState(state) {
    live.textContent = state;
    live.dataset.state = state;
    if (state !== 'live') {
      overview.chart.gap(Date.now());
      lockView.gap();
    }
  },
});

const tokenDialog = new TokenDialog({
  dialog: byId('token-dialog', HTMLDialogElement),
  form: byId('token-form', HTMLFormElement),
  error: byId('token-error', HTMLElement),
  onToken() {
    reloadAll();
    stream.restart();
  },
});
onUnauthorized(() => tokenDialog.ask());

let lastListPoll = performance.now();
setInterval(() => {
  if (document.hidden) return;
  renderSoon(overview.render);
  renderSoon(locks.render);
  renderSoon(sessions.render);
  current?.tick();
  if (performance.now() - lastListPoll >= LIST_POLL_MS) {
    lastListPoll = performance.now();
    refreshLists();
  }
}, TICK_MS);

window.addEventListener('hashchange', route);
route();
reloadAll();
