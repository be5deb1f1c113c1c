import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrokerEvent } from '../broker-events.js';
import type { AdminSource, HistoryEvent, QueueFigures, StreamUpdate } from './admin-types.js';
import { eventsWithin, underAny } from './scoped-source.js';

/** Limits and rhythm of the live stream. */
export const EVENT_STREAM_LIMITS = Object.freeze({
  /** Shortest time between two updates. */
  batchMs: 250,
  /** An update goes out this often even when nothing happened (uptime, counts move). */
  idleUpdateMs: 2_000,
  /** A comment line this often keeps proxies from closing a quiet stream. */
  keepAliveMs: 15_000,
  maxClients: 100,
  /** A client this far behind has stopped reading: it is dropped, not buffered for. */
  maxBufferedBytes: 1024 * 1024,
  maxEventsPerUpdate: 500,
  maxChangedPerUpdate: 200,
});

/**
 * The `/api/events` server-sent stream. One subscription to the broker's
 * history for all clients: events are gathered and sent as one `update` per
 * batch, serialized once and written to every client. A waiter joining a
 * queue makes no history event, so the paths that gained waiters are taken
 * from the broker's journal, to tell the console's charts and queue views.
 */
export class EventStream {
  /** Each client with the prefixes it may see; null: everything. */
  private readonly clients = new Map<ServerResponse, readonly string[] | null>();
  private pending: HistoryEvent[] = [];
  /** Paths a waiter joined since the last update, oldest first. */
  private joined = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private ticker: unknown = null;
  private lastUpdateAt = 0;
  private lastKeepAliveAt = 0;

  constructor(private readonly source: AdminSource) {}

  /**
   * Streams to `res` until either side closes; false (nothing written) when
   * the stream is full. `scope`: the history is only that of paths under
   * these prefixes (null: all).
   */
  add(req: IncomingMessage, res: ServerResponse, scope: readonly string[] | null = null): boolean {
    if (this.clients.size >= EVENT_STREAM_LIMITS.maxClients) return false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    this.clients.set(res, scope);
    req.socket.setNoDelay(true);
    res.on('close', () => this.drop(res));
    if (this.unsubscribe === null) this.start();
    // A new client sees the state at once rather than after the next batch.
    this.write(res, this.updateText([], [], scope, new Map()));
    return true;
  }

  /** Ends every stream and the subscription. */
  close(): void {
    for (const res of this.clients.keys()) res.end();
    this.clients.clear();
    this.stop();
  }

  private start(): void {
    const offHistory = this.source.onHistory((events) => this.gather(events));
    const offJournal = this.source.subscribe((e) => this.noteJoins(e));
    this.unsubscribe = () => {
      offHistory();
      offJournal();
    };
    const now = this.source.now();
    this.lastUpdateAt = now;
    this.lastKeepAliveAt = now;
    this.armTicker();
  }

  private stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.source.timer.clear(this.ticker);
    this.ticker = null;
    this.pending = [];
    this.joined.clear();
  }

  private gather(events: HistoryEvent[]): void {
    for (const e of events) this.pending.push(e);
    // Only the newest make the next update; trimming at twice the cap keeps
    // the buffer bounded at O(1) amortized per event.
    const max = EVENT_STREAM_LIMITS.maxEventsPerUpdate;
    if (this.pending.length > 2 * max) this.pending = this.pending.slice(-max);
  }

  private noteJoins(e: BrokerEvent): void {
    if (e.type !== 'applied') return;
    for (const entry of e.entries) {
      if (entry[0] !== 'wait') continue;
      // Newest last, like `pending`; a path seen again moves to the end.
      const path = entry[3];
      this.joined.delete(path);
      this.joined.add(path);
      if (this.joined.size > EVENT_STREAM_LIMITS.maxChangedPerUpdate) {
        this.joined.delete(this.joined.values().next().value as string);
      }
    }
  }

  private armTicker(): void {
    this.ticker = this.source.timer.set(() => {
      this.tick();
      if (this.ticker !== null) this.armTicker();
    }, EVENT_STREAM_LIMITS.batchMs);
  }

  private tick(): void {
    const now = this.source.now();
    const moved = this.pending.length > 0 || this.joined.size > 0;
    if (moved || now - this.lastUpdateAt >= EVENT_STREAM_LIMITS.idleUpdateMs) {
      const events = this.pending.slice(-EVENT_STREAM_LIMITS.maxEventsPerUpdate);
      const joined = [...this.joined].reverse();
      this.pending = [];
      this.joined.clear();
      this.lastUpdateAt = now;
      this.sendUpdate(events, joined);
    }
    if (now - this.lastKeepAliveAt >= EVENT_STREAM_LIMITS.keepAliveMs) {
      this.lastKeepAliveAt = now;
      this.broadcast(': keep-alive\n\n');
    }
  }

  /**
   * One update to every client; the text is made once per distinct scope,
   * and each queue read once per update.
   */
  private sendUpdate(events: HistoryEvent[], joined: readonly string[]): void {
    const texts = new Map<string, string>();
    const queues = new Map<string, QueueFigures>();
    for (const [res, scope] of this.clients) {
      const key = scope === null ? '' : `\n${scope.join('\n')}`;
      let text = texts.get(key);
      if (text === undefined) {
        texts.set(key, (text = this.updateText(events, joined, scope, queues)));
      }
      this.write(res, text);
    }
  }

  /** `joined`: newest first. `queues`: figures read so far in this update. */
  private updateText(
    all: HistoryEvent[],
    joined: readonly string[],
    scope: readonly string[] | null,
    queues: Map<string, QueueFigures>,
  ): string {
    const history = scope === null ? all : eventsWithin(all, scope);
    // Newest first, so the paths that moved last are the ones kept.
    const changed = new Set<string>();
    const max = EVENT_STREAM_LIMITS.maxChangedPerUpdate;
    for (let i = history.length - 1; i >= 0 && changed.size < max; i--) {
      changed.add((history[i] as HistoryEvent).path);
    }
    for (const path of joined) {
      if (changed.size >= max) break;
      if (scope === null || underAny(scope, path)) changed.add(path);
    }
    const paths = [...changed];
    const data: StreamUpdate = {
      overview: this.source.overview(),
      history,
      changed: paths,
      queues: paths.map((path) => this.queueOf(path, queues)),
    };
    return `event: update\ndata: ${JSON.stringify(data)}\n\n`;
  }

  private queueOf(path: string, read: Map<string, QueueFigures>): QueueFigures {
    let figures = read.get(path);
    if (figures === undefined) {
      // A page of one: the head alone tells how long the queue has waited.
      const lock = this.source.lock(path, { limit: 1 });
      const waiting = lock?.queue.total ?? 0;
      const longestWaitMs = lock?.queue.items[0]?.waitedMs ?? 0;
      read.set(path, (figures = { path, waiting, longestWaitMs }));
    }
    return figures;
  }

  private broadcast(text: string): void {
    for (const res of this.clients.keys()) this.write(res, text);
  }

  private write(res: ServerResponse, text: string): void {
    res.write(text);
    if (res.writableLength > EVENT_STREAM_LIMITS.maxBufferedBytes) res.destroy();
  }

  private drop(res: ServerResponse): void {
    this.clients.delete(res);
    if (this.clients.size === 0) this.stop();
  }
}
