import type { AdminSource, HistoryEvent, SessionDetail } from './admin-types.js';
import { AdminRequestError } from './http-reply.js';

/** Whether `path` lies under one of `prefixes`. */
export function underAny(prefixes: readonly string[], path: string): boolean {
  for (const p of prefixes) if (path.startsWith(p)) return true;
  return false;
}

/**
 * A session an operator with admin rights on `scope` may see and end: one
 * that holds or waits for something, all of it under `scope`. A session that
 * holds nothing is shown only to operators of everything.
 */
function sessionWithin(s: SessionDetail, scope: readonly string[]): boolean {
  const paths = [...s.locks.map((l) => l.path), ...s.waits.map((w) => w.path)];
  return paths.length > 0 && paths.every((p) => underAny(scope, p));
}

/** Events of `events` on paths under `scope`. */
export function eventsWithin(events: HistoryEvent[], scope: readonly string[]): HistoryEvent[] {
  return events.filter((e) => underAny(scope, e.path));
}

/**
 * `source` as an operator with admin rights on `scope` sees it: lists hold
 * only the locks and sessions under its prefixes, and naming one outside
 * them, to read it or act on it, is a 403. The overview and the metrics
 * (counts, no paths or names) are the broker's whole.
 */
export function scopedSource(source: AdminSource, scope: readonly string[]): AdminSource {
  const forbidden = (what: string): never => {
    throw new AdminRequestError('FORBIDDEN', `${what} is outside your admin prefixes`);
  };
  const checkPath = (path: string): void => {
    if (!underAny(scope, path)) forbidden(`lock ${path}`);
  };
  const visibleSession = (id: string): SessionDetail | null => {
    const s = source.session(id);
    if (s !== null && !sessionWithin(s, scope)) forbidden(`session ${id}`);
    return s;
  };
  return {
    now: () => source.now(),
    timer: source.timer,
    hasPrincipals: source.hasPrincipals,
    overview: () => source.overview(),
    readiness: () => source.readiness(),
    counters: () => source.counters(),
    locks: (q) => source.locks({ ...q, within: scope }),
    lock: (path, q) => (checkPath(path), source.lock(path, q)),
    isCurrent: (path, token) => (checkPath(path), source.isCurrent(path, token)),
    sessions: (q) => source.sessions({ ...q, within: scope }),
    session: visibleSession,
    history: ({ path, limit = 100 }) => {
      if (path !== undefined) return (checkPath(path), source.history({ path, limit }));
      // The whole ring, then ours: a busy neighbour must not crowd our events out of the page.
      return eventsWithin(source.history({ limit: Infinity }), scope).slice(-limit);
    },
    forceRelease: (path) => (checkPath(path), source.forceRelease(path)),
    endSession: (id) => visibleSession(id) !== null && source.endSession(id),
    subscribe: (listener) => source.subscribe(listener),
    onHistory: (listener) => source.onHistory(listener),
    principalByToken: (token) => source.principalByToken(token),
  };
}
