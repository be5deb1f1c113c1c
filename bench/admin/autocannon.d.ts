/**
 * The part of `autocannon` 9.0.0's programmatic API that bench/load.ts
 * uses. The package ships no declarations (and there is no `@types` package
 * for 9.x), so this states the options, events and result fields from its
 * README that the bench relies on.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Request {
    method?: string;
    /** Path and query, e.g. `/api/locks?limit=50`. */
    path?: string;
    headers?: Record<string, string>;
  }

  export interface Options {
    /** Base URL; each of `requests` supplies the path. */
    url: string;
    /** Concurrent connections. Default 10. */
    connections?: number;
    /** Seconds to run. Default 10. */
    duration?: number;
    /** Seconds to wait for a response before counting a timeout. Default 10. */
    timeout?: number;
    /** Requests per second over all connections; unlimited by default (a closed loop). */
    overallRate?: number;
    /** Requests each connection sends in turn, round and round. */
    requests?: Request[];
  }

  export interface Result {
    /** Seconds. */
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
  }

  /** A running load: stop it early with `stop()`; the callback then gets its result. */
  export interface Instance extends EventEmitter {
    stop(): void;
    on(
      event: 'response',
      listener: (
        client: unknown,
        statusCode: number,
        resBytes: number,
        responseTimeMs: number,
      ) => void,
    ): this;
    on(event: 'reqError', listener: (error: Error) => void): this;
  }

  export default function autocannon(
    options: Options,
    callback: (err: Error | null, result: Result) => void,
  ): Instance;
}
