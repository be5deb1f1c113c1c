import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LogOptions {
  /** Lowest level written. Default `info`. */
  level?: LogLevel;
  /** Human-readable lines instead of JSON. Default: when stderr is a terminal. */
  pretty?: boolean;
}

/**
 * The broker's logger: JSON lines on stderr (stdout is the CLI's own, for
 * what scripts read: the URLs it listens on), colourful when a person watches.
 * Parts log through children named by `part`.
 */
export function createLogger(options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const human = options.pretty ?? process.stderr.isTTY === true;
  if (!human) return pino({ level, base: { pid: process.pid } }, pino.destination(2));
  const stream = pretty({ destination: 2, colorize: true, ignore: 'pid,hostname' });
  return pino({ level }, stream);
}

/** Writes nothing: the default of a broker made in code (tests, embedding). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * Passes at most one line per key every `everyMs`, and says how many it held
 * back, so a client repeating a bad request a million times writes a few
 * lines, not a million. At most `maxKeys` keys are remembered.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; held: number }>();

  constructor(
    private readonly now: () => number,
    private readonly everyMs = 10_000,
    private readonly maxKeys = 1_000,
  ) {}

  /** Calls `write` with the lines held back since the last one, unless `key` wrote within `everyMs`. */
  pass(key: string, write: (heldBack: number) => void): void {
    const now = this.now();
    const mark = this.last.get(key);
    if (mark && now - mark.at < this.everyMs) {
      mark.held++;
      return;
    }
    if (!mark && this.last.size >= this.maxKeys) this.last.clear();
    this.last.set(key, { at: now, held: 0 });
    write(mark?.held ?? 0);
  }
}
