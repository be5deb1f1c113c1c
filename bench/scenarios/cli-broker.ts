import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackChild } from '../lib/child.js';
import { repoPath } from '../lib/config.js';
import { sharedClockMs, waitFor } from '../lib/time.js';

/** How long a CLI broker gets to print its "listening" line. */
const LISTEN_TIMEOUT_MS = 15_000;
/** Lines of its output kept, to explain a broker that died. */
const KEPT_LINES = 20;

/** The message of a log line: pino's JSON `msg` on stderr, or the line as it is. */
function message(line: string): string {
  try {
    return String((JSON.parse(line) as { msg?: unknown }).msg ?? '');
  } catch {
    return line.replace(/^baton: /, '');
  }
}

/**
 * A broker started as users start it (`baton server …` from the build), for
 * scenario F, where it is stopped and started again on the same port. Its
 * role is read from what it prints: `baton listening on … (active|standby)`
 * on stdout, and the log's `active (epoch N)` and `deposed` on stderr.
 */
export class CliBroker {
  /** Epoch of the last "active" line, while it has not said it was deposed; null otherwise. */
  epoch: number | null = null;
  /** Shared-clock time (grant-log.ts) the runner read that line. */
  activeAtMs = 0;
  private proc: ChildProcess | null = null;
  private readonly lines: string[] = [];

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly args: readonly string[],
  ) {}

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get alive(): boolean {
    return this.proc !== null;
  }

  /** Spawns the broker and resolves with the role it printed once it listens. */
  start(): Promise<'active' | 'standby'> {
    const main = repoPath('dist/server/main.js');
    const args = [main, 'server', '--host', '127.0.0.1', '--port', String(this.port)];
    const proc = spawn(process.execPath, [...args, ...this.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    this.epoch = null;
    const untrack = trackChild({ kill: () => proc.kill('SIGKILL') });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name} did not listen within ${LISTEN_TIMEOUT_MS} ms`));
      }, LISTEN_TIMEOUT_MS);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.proc = null;
        this.epoch = null;
        untrack();
        reject(new Error(`${this.name} exited (${signal ?? code}): ${this.lines.join(' | ')}`));
      });
      createInterface({ input: proc.stdout! }).on('line', (line) => {
        this.keep(line);
        const m = /^baton listening on \S+ \((\w+)\)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] === 'active' ? 'active' : 'standby');
        }
      });
      createInterface({ input: proc.stderr! }).on('line', (line) => this.logLine(line));
    });
  }

  /** Resolves once this broker has printed an "active" line it has not taken back. */
  async waitActive(timeoutMs: number): Promise<void> {
    const active = (): true | null => (this.epoch === null ? null : true);
    await waitFor(
      active,
      performance.now() + timeoutMs,
      5,
      () => `${this.name} did not become active within ${timeoutMs} ms`,
    );
  }

  /** Sends `signal` (SIGTERM: the broker hands over and exits), then waits for the exit. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    await exited;
  }

  private logLine(line: string): void {
    this.keep(line);
    const text = message(line);
    const active = /^active \(epoch (\d+)\)/.exec(text);
    if (active) {
      this.epoch = Number(active[1]);
      this.activeAtMs = sharedClockMs();
    } else if (text.startsWith('deposed')) {
      this.epoch = null;
    }
  }

  private keep(line: string): void {
    this.lines.push(line);
    if (this.lines.length > KEPT_LINES) this.lines.shift();
  }
}

/** The live broker that took over last: the highest epoch among those that say they are active. */
export function activeBroker(brokers: readonly CliBroker[]): CliBroker | null {
  let best: CliBroker | null = null;
  for (const b of brokers) {
    if (b.alive && b.epoch !== null && (best === null || b.epoch > (best.epoch ?? 0))) best = b;
  }
  return best;
}
