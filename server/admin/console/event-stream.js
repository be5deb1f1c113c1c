// @ts-check
// The live stream (/api/events) over fetch, reconnecting with backoff.

import { ApiError, authHeaders, checkResponse, getToken } from './api.js';
import { SseParser } from './sse-parser.js';

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/** @typedef {'connecting' | 'live' | 'reconnecting' | 'unauthorized'} StreamState */

/**
 * @typedef {object} EventStreamOptions
 * @property {(type: string, data: string) => void} onEvent each event as it arrives
 * @property {(state: StreamState) => void} onState
 * @property {() => void} onOpen each time the stream (re)opens
 */

/**
 * Reads `url` as server-sent events until `close()`. After a 401 it stops
 * (state 'unauthorized') until `restart()` (a new token).
 * @param {string} url
 * @param {EventStreamOptions} options
 */
export function openEventStream(url, { onEvent, onState, onOpen }) {
  /** @type {AbortController | null} */
  let controller = null;
  let backoffMs = MIN_BACKOFF_MS;
  let retryTimer = 0;
  let closed = false;

  async function run() {
    controller = new AbortController();
    const { signal } = controller;
    const token = getToken();
    try {
      const response = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...authHeaders(token) },
        cache: 'no-store',
        signal,
      });
      await checkResponse(response, token);
      // A 2xx without a body (a proxy's 204, say) ends like a dropped stream: retry.
      if (response.body) {
        onState('live');
        onOpen();
        backoffMs = MIN_BACKOFF_MS;
        await read(response.body, new SseParser(onEvent));
      }
    } catch (err) {
      if (signal.aborted) return;
      // 403: a principal without admin rights; retrying will not change that.
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        onState('unauthorized');
        return;
      }
    }
    if (signal.aborted || closed) return;
    onState('reconnecting');
    retryTimer = setTimeout(run, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }

  function stop() {
    clearTimeout(retryTimer);
    controller?.abort();
  }

  onState('connecting');
  run();
  return {
    restart() {
      stop();
      backoffMs = MIN_BACKOFF_MS;
      onState('connecting');
      run();
    },
    close() {
      closed = true;
      stop();
    },
  };
}

/**
 * Feeds `body` to `parser` until the server ends it.
 * @param {NonNullable<Response["body"]>} body
 * @param {SseParser} parser
 */
async function read(body, parser) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.push(value);
  }
}
