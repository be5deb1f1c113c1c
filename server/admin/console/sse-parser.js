// @ts-check
// Server-sent events, parsed by hand: EventSource cannot send the
// Authorization header, so the stream is read with fetch() and fed here.

/**
 * Feeds text chunks as they arrive (a line or an event may be split across
 * chunks) and calls `onEvent(type, data)` per complete event. Only the
 * `event` and `data` fields matter to the console; `id` and `retry` are
 * ignored (the console reconnects with its own backoff and reloads).
 */
export class SseParser {
  /** @param {(type: string, data: string) => void} onEvent */
  constructor(onEvent) {
    this.onEvent = onEvent;
    this.buffer = '';
    this.type = '';
    /** @type {string[]} the event's data lines so far */
    this.data = [];
  }

  /** @param {string} chunk */
  push(chunk) {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const end = this.lineEnd(start);
      if (end === -1) break;
      this.line(this.buffer.slice(start, end));
      // A \r\n pair is one line end.
      start = this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? end + 2 : end + 1;
    }
    this.buffer = this.buffer.slice(start);
  }

  /** Index of the next \r or \n from `start`; -1 when none, or a final \r whose \n may follow. */
  /** @param {number} start */
  lineEnd(start) {
    for (let i = start; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c === '\n') return i;
      if (c === '\r') return i + 1 < this.buffer.length ? i : -1;
    }
    return -1;
  }

  /** @param {string} line */
  line(line) {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return; // a comment: the server's keep-alive
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
  }

  dispatch() {
    const type = this.type || 'message';
    const data = this.data.join('\n');
    const had = this.data.length > 0;
    this.type = '';
    this.data = [];
    if (had) this.onEvent(type, data);
  }
}
