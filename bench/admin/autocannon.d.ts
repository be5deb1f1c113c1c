/**
 * The part of `autocannon` 9.0.0's programmatic API that bench/admin/load.ts
 * uses: the package ships no declarations, and there is no `@types` package
 * for 9.x.
 */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Options {
    /** Base URL; each of `requests` supplies the path and query. */
    url: string;
    connections?: number;
    /** Seconds to run. */
    duration?: number;
    /** Requests per second over all connections; unlimited by default (a closed loop). */
    overallRate?: number;
    /** Requests each connection sends in turn, round and round. */
    requests?: { method?: string; path?: string }[];
  }

  /** A running load: `stop()` ends it early, and the callback is then called. */
  export interface Instance extends EventEmitter {
    stop(): void;
    on(
      event: 'response',
      listener: (client: unknown, status: number, bytes: number, ms: number) => void,
    ): this;
    on(event: 'reqError', listener: (error: Error) => void): this;
  }

  export default function autocannon(
    options: Options,
    callback: (err: Error | null) => void,
  ): Instance;
}
