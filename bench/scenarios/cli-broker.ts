import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trackChild } from '../lib/child.js';
import { sharedClockMs } from '../lib/grant-log.js';
import { repoPath } from '../lib/paths.js';

/** How long a CLI broker gets to print its "listening" line. */
const LISTEN_TIMEOUT_MS = 15_000;
/** Lines of its output kept, to explain a broker that died. */
const KEPT_LINES = 20;

/**
 * A broker started as users start it (`baton server …` from the build), for
 * scenario F, where it is killed with SIGKILL and started again on the same
 * port. Its role is read from what it prints: `baton listening on … (active|standby)`
 * on stdout, `baton: active (epoch N)` on stderr when it takes over.
 */
export class CliBroker {
  /** Epoch of the last "active" line, while it has not said it was deposed; null otherwise. */
  epoch: number | null = null;
  /** Shared-clock time (grant-log.ts) the runner read that line. */
  activeAtMs = 0;
  private proc: ChildProcess | null = null;
  private readonly lines: string[] = [];
  private untrack: () => void = () => {};
  private onActive: (() => void) | null = null;

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
    if (this.proc) throw new Error(`${this.name} is running`);
    const main = repoPath('dist/server/main.js');
    const proc = spawn(
      process.execPath,
      [main, 'server', '--host', '127.0.0.1', '--port', String(this.port), ...this.args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = proc;
    this.epoch = null;
    this.untrack = trackChild({ kill: () => this.signalKill() });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`${this.name} did not listen within ${LISTEN_TIMEOUT_MS} ms`));
      }, LISTEN_TIMEOUT_MS);
      proc.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.proc === proc) {
          this.proc = null;
          this.epoch = null;
          this.untrack();
        }
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
      createInterface({ input: proc.stderr! }).on('line', (line) => this.stderrLine(line));
    });
  }

  /** Resolves when this broker prints its next "active" line (or has one already). */
  waitActive(timeoutMs: number): Promise<void> {
    if (this.epoch !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.onActive = null;
        reject(new Error(`${this.name} did not become active within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onActive = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** `kill -9`, then waits for the exit. */
  kill9(): Promise<void> {
    return this.stop('SIGKILL');
  }

  /** Sends `signal` (SIGTERM: the broker hands over and exits), then waits for the exit. */
  async stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    if (signal === 'SIGKILL') this.signalKill();
    else proc.kill(signal);
    await exited;
  }

  private signalKill(): void {
    const pid = this.proc?.pid;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private stderrLine(line: string): void {
    this.keep(line);
    const active = /^baton: active \(epoch (\d+)\)/.exec(line);
    if (active) {
      this.epoch = Number(active[1]);
      this.activeAtMs = sharedClockMs();
      const cb = this.onActive;
      this.onActive = null;
      cb?.();
    } else if (line.startsWith('baton: deposed')) {
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
