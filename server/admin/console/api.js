// The admin HTTP API, with the admin token when the broker asks for one.
// The token lives in sessionStorage: it survives a reload but not the tab.

const TOKEN_KEY = 'baton.adminToken';

/** A non-2xx answer; `code` and `message` come from the server's `{ error }` body when it has one. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

const unauthorizedListeners = new Set();

/** Calls `fn` whenever the server answers 401, so the app can ask for the token. */
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

export function getToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/** Headers every API call carries. */
export function authHeaders() {
  const token = getToken();
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** `/api/x?a=1`, leaving out parameters that are undefined or empty. */
export function apiUrl(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') query.set(key, String(value));
  }
  const qs = query.toString();
  return qs ? `/api/${path}?${qs}` : `/api/${path}`;
}

export function getJson(path, params) {
  return request('GET', apiUrl(path, params));
}

export function postJson(path, params) {
  return request('POST', apiUrl(path, params));
}

/** Rejects with an ApiError for a non-2xx answer, telling the 401 listeners first. */
export async function checkResponse(response) {
  if (response.ok) return;
  if (response.status === 401) for (const fn of unauthorizedListeners) fn();
  let code = `HTTP_${response.status}`;
  let message = response.statusText || code;
  try {
    const body = await response.json();
    if (body && body.error) ({ code = code, message = message } = body.error);
  } catch {
    // Not JSON (a proxy's page, say): the status line says enough.
  }
  throw new ApiError(response.status, code, message);
}

async function request(method, url) {
  const response = await fetch(url, {
    method,
    headers: { Accept: 'application/json', ...authHeaders() },
  });
  await checkResponse(response);
  return response.json();
}
