// The live stream (/api/events) over fetch, reconnecting with backoff.

import { authHeaders, checkResponse } from './api.js';
import { SseParser } from './sse-parser.js';

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 10_000;

/**
 * Reads `url` as server-sent events until `close()`. `onEvent(type, data)`
 * gets each event; `onState` gets 'connecting', 'live', 'reconnecting' or
 * 'unauthorized'. After a 401 it stops until `restart()` (a new token).
 */
export function openEventStream(url, { onEvent, onState, onOpen }) {
  let controller = null;
  let backoffMs = MIN_BACKOFF_MS;
  let retryTimer = 0;
  let closed = false;

  async function run() {
    controller = new AbortController();
    const { signal } = controller;
    try {
      const response = await fetch(url, {
        headers: { Accept: 'text/event-stream', ...authHeaders() },
        cache: 'no-store',
        signal,
      });
      await checkResponse(response);
      onState('live');
      onOpen();
      backoffMs = MIN_BACKOFF_MS;
      const parser = new SseParser(onEvent);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch (err) {
      if (signal.aborted) return;
      if (err && err.status === 401) {
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
    if (controller) controller.abort();
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
