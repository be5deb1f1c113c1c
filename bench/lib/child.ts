import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EXIT_GRACE_MS, IPC_TIMEOUT_MS } from './config.js';

/** Every child ever forked, so the runner can kill them all by pid on any exit path. */
const live = new Set<{ kill(): void }>();

/**
 * A forked bench process and its IPC inbox. Messages that arrive before
 * anyone waits for them are kept, so a fast reply cannot be missed.
 */
export class BenchChild<In extends { t: string }, Out extends { t: string }> {
  private readonly inbox: Out[] = [];
  private waiter: ((m: Out) => void) | null = null;
  private exited = false;
  private exitWaiters: (() => void)[] = [];

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.on('message', (m) => this.deliver(m as Out));
    proc.on('exit', (code, signal) => {
      this.exited = true;
      live.delete(this);
      for (const w of this.exitWaiters) w();
      this.exitWaiters = [];
      // A child dying mid-scenario must fail the scenario, not hang it.
      this.deliver({ t: 'error', message: `${name} exited (${signal ?? code})` } as unknown as Out);
    });
  }

  /** Forks `file` (a sibling of this module) with IPC on. */
  static fork<In extends { t: string }, Out extends { t: string }>(
    name: string,
    file: string,
    execArgv: string[] = [],
    env: Record<string, string> = {},
  ): BenchChild<In, Out> {
    const path = fileURLToPath(new URL(file, import.meta.url));
    const proc = fork(path, [], {
      serialization: 'advanced',
      execArgv,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const child = new BenchChild<In, Out>(name, proc);
    live.add(child);
    return child;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  send(message: In): void {
    if (!this.exited) this.proc.send(message);
  }

  /** The next message; an `error` message from the child rejects, as does silence. */
  next(timeoutMs = IPC_TIMEOUT_MS): Promise<Out> {
    const queued = this.inbox.shift();
    if (queued) return settle(this.name, queued);
    return new Promise<Out>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${this.name}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (m) => {
        clearTimeout(timer);
        settle(this.name, m).then(resolve, reject);
      };
    });
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

  /** Asks the child to exit, then kills it by pid if it has not within the grace period. */
  async stop(exitMessage: In): Promise<void> {
    if (this.exited) return;
    this.send(exitMessage);
    const gone = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    const timer = setTimeout(() => this.kill(), EXIT_GRACE_MS);
    await gone;
    clearTimeout(timer);
  }

  kill(): void {
    if (this.exited || this.proc.pid === undefined) return;
    try {
      process.kill(this.proc.pid, 'SIGKILL');
    } catch {
      // Already gone between the check and the kill.
    }
  }

  private deliver(m: Out): void {
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      w(m);
    } else {
      this.inbox.push(m);
    }
  }
}

function settle<Out extends { t: string }>(name: string, m: Out): Promise<Out> {
  if (m.t === 'error') {
    return Promise.reject(new Error(`${name}: ${(m as { message?: string }).message ?? 'error'}`));
  }
  return Promise.resolve(m);
}

/**
 * Adds a process that was not forked here (a CLI broker spawned by scenario
 * F) to the ones `killAllChildren` kills; returns the function that removes it.
 */
export function trackChild(child: { kill(): void }): () => void {
  live.add(child);
  return () => live.delete(child);
}

/** Kills every child still alive, by pid; for error paths and signals. */
export function killAllChildren(): void {
  for (const child of live) child.kill();
}
