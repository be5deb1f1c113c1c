import { replaceControlChars } from '../../shared/control-chars.js';

/** How many distinct causes a {@link CauseLog} names before it goes quiet. */
export const MAX_LOGGED_CAUSES = 100;

/** How much of an error's message and first stack frame a cause keeps. */
const MAX_CAUSE_CHARS = 300;

/**
 * Logs unexpected errors once per cause (name, message and the first stack
 * frame), and at most {@link MAX_LOGGED_CAUSES} causes in all, so a client
 * that finds a bug and repeats it a million times writes a line, not a
 * million. Counting every occurrence is the metrics' job.
 */
export class CauseLog {
  private readonly seen = new Set<string>();

  constructor(
    private readonly warn: (message: string) => void,
    private readonly limit = MAX_LOGGED_CAUSES,
  ) {}

  /** Logs `err` under `what` unless its cause was logged before or the log is full. */
  report(what: string, err: unknown): void {
    if (this.seen.size >= this.limit) return;
    const cause = causeOf(err);
    if (this.seen.has(cause)) return;
    this.seen.add(cause);
    const full = this.seen.size === this.limit ? ` (${this.limit} causes logged; no more)` : '';
    this.warn(`${what}: ${cause}${full}`);
  }
}

/**
 * A short, single-line name for a thrown value. It reads only strings: a
 * thrown value may be anything, and converting one can itself throw.
 */
export function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return `a thrown ${err === null ? 'null' : typeof err}`;
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const message = typeof err.message === 'string' ? err.message : '';
  const stack = typeof err.stack === 'string' ? err.stack : '';
  const frame = stack
    .split('\n')
    .find((line) => line.trimStart().startsWith('at '))
    ?.trim();
  const cause = frame ? `${name}: ${message} ${frame}` : `${name}: ${message}`;
  // The message may quote what a client sent; the log may be a terminal.
  return replaceControlChars(cause.slice(0, MAX_CAUSE_CHARS), '?');
}
