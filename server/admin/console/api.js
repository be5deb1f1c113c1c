// @ts-check
// The admin HTTP API, with the admin token when the broker asks for one.
// The token lives in sessionStorage: it survives a reload but not the tab.

// The shapes come from the server's own declarations, so a field renamed
// there fails the console's typecheck (the browser never reads these).
/** @typedef {import('../admin-types.js').Overview} Overview */
/** @typedef {import('../admin-types.js').LockSummary} LockSummary */
/** @typedef {import('../admin-types.js').LockDetail} LockDetail */
/** @typedef {import('../admin-types.js').SessionSummary} SessionSummary */
/** @typedef {import('../admin-types.js').SessionDetail} SessionDetail */
/** @typedef {import('../admin-types.js').WaiterView} WaiterView */
/** @typedef {import('../admin-types.js').HistoryEvent} HistoryEvent */
/** @typedef {import('../admin-types.js').StreamUpdate} StreamUpdate */
/** @typedef {import('../admin-types.js').QueueFigures} QueueFigures */
/**
 * @template T
 * @typedef {import('../admin-types.js').Page<T>} Page
 */

/**
 * What each GET route answers, by its path under /api/.
 * @typedef {object} GetReplies
 * @property {Overview} overview
 * @property {Page<LockSummary>} locks
 * @property {LockDetail} lock
 * @property {Page<SessionSummary>} sessions
 * @property {SessionDetail} session
 * @property {import('../admin-types.js').HistoryReply} history
 */

/**
 * What each POST route answers.
 * @typedef {{
 *   'lock/release': import('../admin-types.js').ReleaseReply;
 *   'session/end': import('../admin-types.js').EndSessionReply;
 * }} PostReplies
 */

/** @typedef {Record<string, string | number | undefined>} QueryParams */

const TOKEN_KEY = 'baton.adminToken';

/** A non-2xx answer; `code` and `message` come from the server's `{ error }` body when it has one. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   */
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** @type {Set<() => void>} */
const unauthorizedListeners = new Set();

/**
 * Calls `fn` whenever the server answers 401, so the app can ask for the token.
 * @param {() => void} fn
 */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token */
export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Headers every API call carries: the token it is sent with.
 * @param {string | null} token
 * @returns {Record<string, string>}
 */
export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/**
 * `/api/x?a=1`, leaving out parameters that are undefined or empty.
 * @param {string} path
 * @param {QueryParams} [params]
 */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `/api/${path}?${qs}` : `/api/${path}`;
}

/**
 * @template {keyof GetReplies} P
 * @param {P} path
 * @param {QueryParams} [params]
 * @returns {Promise<GetReplies[P]>}
 */
export function getJson(path, params) {
  return request('GET', apiUrl(path, params));
}

/**
 * @template {keyof PostReplies} P
 * @param {P} path
 * @param {QueryParams} [params]
 * @returns {Promise<PostReplies[P]>}
 */
export function postJson(path, params) {
  return request('POST', apiUrl(path, params));
}

/**
 * Rejects with an ApiError for a non-2xx answer, telling the 401 listeners
 * first unless the request went with a token that has been replaced since:
 * a late refusal of the old token must not ask again for the new one.
 * @param {Response} response
 * @param {string | null} sentToken
 */
export async function checkResponse(response, sentToken) {
  if (response.ok) return;
  if (response.status === 401 && sentToken === getToken()) {
    for (const fn of unauthorizedListeners) fn();
  }
  let code = `HTTP_${response.status}`;
  let message = response.statusText || code;
  try {
    const { error } = await response.json();
    // Whatever answered may not be the broker: take only strings.
    if (typeof error?.code === 'string') code = error.code;
    if (typeof error?.message === 'string') message = error.message;
  } catch {
    // Not JSON (a proxy's page, say): the status line says enough.
  }
  throw new ApiError(response.status, code, message);
}

/**
 * @param {'GET' | 'POST'} method
 * @param {string} url
 * @returns {Promise<any>} the JSON body, typed by the callers' route maps
 */
async function request(method, url) {
  const token = getToken();
  const response = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...authHeaders(token) },
  });
  await checkResponse(response, token);
  return response.json();
}
