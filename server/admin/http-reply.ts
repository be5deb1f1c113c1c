import type { ServerResponse } from 'node:http';

/** Codes of the admin API's error bodies, with their HTTP statuses. */
export const ADMIN_ERROR_STATUS = Object.freeze({
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  INTERNAL: 500,
  UNAVAILABLE: 503,
});

export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

/** A request the admin API answers with an error body; thrown by handlers, caught by the server. */
export class AdminRequestError extends Error {
  override name = 'AdminRequestError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Sends `body` as JSON. Admin views change by the millisecond, so nothing may cache them. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

/** Sends `{ "error": { code, message } }` with the code's status. */
export function sendError(res: ServerResponse, code: AdminErrorCode, message: string): void {
  if (code === 'UNAUTHORIZED') res.setHeader('WWW-Authenticate', 'Bearer realm="baton"');
  sendJson(res, ADMIN_ERROR_STATUS[code], { error: { code, message } });
}
