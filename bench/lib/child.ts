import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_GRACE_MS, IPC_TIMEOUT_MS } from './config.js';

/** Every live child, so the runner can kill them all by pid on any exit path. */
const live = new Set<{ kill(): void }>();

/**
 * A forked bench process (`file`, a sibling of this module) and its IPC
 * inbox. Messages that arrive before anyone waits for them are kept, so a
 * fast reply cannot be missed. Structured-clone serialization lets typed
 * arrays travel as they are.
 */
export class BenchChild<In extends { t: string }, Out extends { t: string }> {
  private readonly proc: ChildProcess;
  private readonly inbox: Out[] = [];
  private waiter: ((m: Out) => void) | null = null;
  private readonly exited: Promise<void>;
  private alive = true;

  constructor(
    readonly name: string,
    file: string,
    execArgv: string[] = [],
    env: Record<string, string> = {},
  ) {
    this.proc = fork(fileURLToPath(new URL(file, import.meta.url)), [], {
      serialization: 'advanced',
      execArgv,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    live.add(this);
    this.proc.on('message', (m) => this.deliver(m as Out));
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        this.alive = false;
        live.delete(this);
        resolve();
        // A child dying mid-scenario must fail the scenario, not hang it.
        this.deliver({ t: 'error', message: `${name} exited (${signal ?? code})` } as never);
      });
    });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(message: In): void {
    if (this.alive) this.proc.send(message);
  }

  /** The next message; an `error` message from the child rejects, as does silence. */
  async next(timeoutMs = IPC_TIMEOUT_MS): Promise<Out> {
    let m = this.inbox.shift();
    m ??= await new Promise<Out>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
    });
    if (m.t === 'error') throw new Error(`${this.name}: ${(m as { message?: string }).message}`);
    return m;
  }

  /** Sends `message` and waits for a reply of type `t`. */
  async ask<T extends Out['t']>(
    message: In,
    t: T,
    timeoutMs?: number,
  ): Promise<Extract<Out, { t: T }>> {
    this.send(message);
    const reply = await this.next(timeoutMs);
    if (reply.t !== t) throw new Error(`${this.name}: expected ${t}, got ${reply.t}`);
    return reply as Extract<Out, { t: T }>;
  }

  /** Asks the child to exit, and kills it if it has not within the grace period. */
  async stop(exitMessage: In): Promise<void> {
    if (!this.alive) return;
    this.send(exitMessage);
    const timer = setTimeout(() => this.kill(), EXIT_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  /** SIGKILL to the child's pid; a child already gone is ignored (ESRCH). */
  kill(): void {
    if (this.alive) this.proc.kill('SIGKILL');
  }

  private deliver(m: Out): void {
    const waiter = this.waiter;
    this.waiter = null;
    if (waiter) waiter(m);
    else this.inbox.push(m);
  }
}

/**
 * Adds a process not forked here (a CLI broker, a peer's server) to the ones
 * `killAllChildren` kills; returns the function that removes it.
 */
export function trackChild(child: { kill(): void }): () => void {
  live.add(child);
  return () => live.delete(child);
}

/** Kills every child still alive, by pid; for error paths and signals. */
export function killAllChildren(): void {
  for (const child of live) child.kill();
}
