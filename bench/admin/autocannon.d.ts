/** The part of `autocannon` 9.0.0 that load.ts uses: it ships no types, nor has `@types` for 9.x. */
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  export interface Options {
    url: string;
    connections?: number;
    /** Seconds. */
    duration?: number;
    overallRate?: number;
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
