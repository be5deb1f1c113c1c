import { connect, type BatonClient } from '../../client/node.js';
import type { Lease } from '../../client/lease.js';
import type { Consistency } from '../../shared/protocol.js';
import { sleep } from './harness.js';
import { FencedResource, History, type LockKind } from './history.js';

/** A path of the workload and how it is locked; a plain string is a mutex. */
export interface PathSpec {
  path: string;
  /** A counting semaphore with this many permits. */
  limit?: number;
  /** A read/write lock: the share of acquires that read (0–1). */
  readShare?: number;
}

export const specOf = (p: string | PathSpec): PathSpec => (typeof p === 'string' ? { path: p } : p);

/** What one acquire of `spec` asks for; `draw` (in [0, 1)) picks read or write. */
export function kindFor(spec: PathSpec, draw: () => number): LockKind {
  if (spec.limit !== undefined) return { limit: spec.limit };
  if (spec.readShare !== undefined) return { mode: draw() < spec.readShare ? 'read' : 'write' };
  return {};
}

export interface WorkloadOptions {
  urls: string[];
  sessions: number;
  paths: (string | PathSpec)[];
  consistency: Consistency;
  /** Default 3,000 ms. */
  sessionTtlMs?: number;
  /** Seed of the hold lengths and path choices; print it to replay a run's shape. */
  seed: number;
  /** Share of holds that are long. Default 0.1. */
  longHoldShare?: number;
  /** Range of a long hold (ms). Default 200–2,500. */
  longHoldMs?: [number, number];
  /** Range of a short hold (ms). Default 1–5. */
  shortHoldMs?: [number, number];
  /** A long holder writes every this many ms. Default 50–100. */
  writeEveryMs?: [number, number];
  /** How long an acquire waits before it gives up (TIMEOUT). Default 15,000 ms. */
  acquireTimeoutMs?: number;
}

/** A hold in progress, as the workload planned it. */
interface LiveHold {
  path: string;
  /** Made long by `holdWithWaiter`. */
  armed: boolean;
  grantedAt: number;
  plannedEnd: number;
  lease: Lease;
}

/** mulberry32: a small seeded generator, so a run's hold lengths can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Takes a lock the way a careful client does and records it in `history`:
 * the acquire sent, the grant (with the broker's session id), the hold's
 * end at `lease.signal`'s abort. The caller records the release.
 */
export function recordedAcquire(
  history: History,
  client: BatonClient,
  worker: string,
  path: string,
  options: { consistency: Consistency; timeoutMs: number; signal?: AbortSignal } & LockKind,
): Promise<Lease> {
  const kind: LockKind = {};
  if (options.limit !== undefined) kind.limit = options.limit;
  if (options.mode !== undefined) kind.mode = options.mode;
  return recordedHold(history, client, worker, path, kind, () => client.acquire(path, options));
}

/** What {@link recordedHold} records of a hold: a lease, a leadership. */
export interface HoldLike {
  token: number;
  signal: AbortSignal;
}

/**
 * Records `take()` (an acquire of `path` by `client`, or an `elect`) as
 * {@link recordedAcquire} does: sent, granted or failed, lost at its signal.
 */
export async function recordedHold<T extends HoldLike>(
  history: History,
  client: BatonClient,
  worker: string,
  path: string,
  kind: LockKind,
  take: () => Promise<T>,
): Promise<T> {
  const req = history.requested(worker, path, kind);
  let hold: T;
  try {
    hold = await take();
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown';
    history.record({ kind: 'fail', worker, path, request: req.request, code });
    throw err;
  }
  history.granted(worker, req, client.session ?? '?', hold.token);
  watchLoss(history, worker, path, hold);
  return hold;
}

/** Records the end of `hold` as `lost` when its signal aborts (at once if it has). */
export function watchLoss(history: History, worker: string, path: string, hold: HoldLike): void {
  const { token, signal } = hold;
  const lost = (): void => {
    const reason = (signal.reason as { reason?: string } | undefined)?.reason ?? 'aborted';
    history.endHold(worker, path, token, 'lost', reason);
  };
  if (signal.aborted) lost();
  else signal.addEventListener('abort', lost, { once: true });
}

/**
 * SDK sessions looping acquire → hold (writing to a fenced resource during
 * it) → release on a few paths, recording everything they see. Most holds
 * are short; some are long, so that faults find holders and queued waiters
 * whose holds straddle them.
 */
export class Workload {
  readonly history = new History();
  readonly resource = new FencedResource(this.history);
  readonly errors = new Map<string, number>();
  /** Each client's latest status, for a failure message. */
  readonly lastStatus: string[] = [];
  private readonly clients: BatonClient[] = [];
  private readonly live = new Map<string, LiveHold>();
  private readonly pending = new Map<string, number>();
  /** Connected statuses seen per client, to tell when all came back after a drop. */
  private readonly connects: number[] = [];
  private armedMs = 0;
  private running = true;
  private loops: Promise<void>[] = [];
  private readonly rand: () => number;

  private constructor(private readonly options: WorkloadOptions) {
    this.rand = random(options.seed);
  }

  static async start(options: WorkloadOptions): Promise<Workload> {
    const w = new Workload(options);
    for (let i = 0; i < options.sessions; i++) {
      const client = await connect({
        url: options.urls,
        sessionTtlMs: options.sessionTtlMs ?? 3_000,
        reconnectMaxDelayMs: 200,
        connectTimeoutMs: 10_000,
        name: `worker-${i}`,
      });
      w.clients.push(client);
      w.connects[i] = 1;
      client.onStatus((st) => {
        if (st.state === 'connected') w.connects[i] = (w.connects[i] ?? 0) + 1;
        w.lastStatus[i] = `${st.state}${'error' in st && st.error ? ':' + st.error.message : ''}`;
      });
    }
    w.loops = w.clients.map((c, i) => w.loop(c, `w${i}`, i));
    return w;
  }

  get grants(): number {
    return this.history.count('grant');
  }

  /** Connections made so far, per client (1 each at start). */
  connections(): number[] {
    return [...this.connects];
  }

  /**
   * Arms a long hold (the next one granted) if none is under way, and resolves once a hold
   * is under way that has been held `heldMs` (so the log has it, at either
   * level) and has `remainingMs` to go, with a waiter queued behind it.
   */
  async holdWithWaiter(remainingMs: number, heldMs = 150, timeoutMs = 20_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const now = performance.now();
      for (const h of this.live.values()) {
        if (h.lease.signal.aborted || (this.pending.get(h.path) ?? 0) === 0) continue;
        if (now - h.grantedAt >= heldMs && h.plannedEnd - now >= remainingMs) return;
      }
      if (now > deadline) throw new Error(`no hold with ${remainingMs} ms to go and a waiter`);
      // One long hold at a time: arm again only once the last one is over.
      const armedLive = [...this.live.values()].some((h) => h.armed && !h.lease.signal.aborted);
      if (this.armedMs === 0 && !armedLive) this.armedMs = remainingMs + heldMs + 500;
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.close()));
  }

  private between([lo, hi]: [number, number]): number {
    return lo + this.rand() * (hi - lo);
  }

  /** How long the next hold lasts, and whether `holdWithWaiter` asked for it. */
  private planHold(): { ms: number; armed: boolean } {
    const o = this.options;
    const ms =
      this.rand() < (o.longHoldShare ?? 0.1)
        ? this.between(o.longHoldMs ?? [200, 2_500])
        : this.between(o.shortHoldMs ?? [1, 5]);
    const armed = this.armedMs;
    this.armedMs = 0;
    return { ms: Math.max(ms, armed), armed: armed > 0 };
  }

  private async loop(client: BatonClient, worker: string, i: number): Promise<void> {
    const { consistency } = this.options;
    const specs = this.options.paths.map(specOf);
    let n = i;
    while (this.running) {
      const spec = specs[n++ % specs.length]!;
      const path = spec.path;
      this.pending.set(path, (this.pending.get(path) ?? 0) + 1);
      const kind = kindFor(spec, this.rand);
      let lease: Lease;
      try {
        lease = await recordedAcquire(this.history, client, worker, path, {
          timeoutMs: this.options.acquireTimeoutMs ?? 15_000,
          consistency,
          ...kind,
        });
      } catch (err) {
        this.count((err as { code?: string }).code ?? 'unknown');
        await sleep(20);
        continue;
      } finally {
        this.pending.set(path, (this.pending.get(path) ?? 1) - 1);
      }
      // Fencing by the largest token guards exclusive holds: readers and permits do not write.
      await this.hold(lease, worker, (kind.limit ?? 1) === 1 && kind.mode !== 'read');
    }
  }

  /**
   * Writes during an exclusive hold, as a real client would: each write only while
   * the signal has not aborted; the release comes after the last write.
   */
  private async hold(lease: Lease, worker: string, writes: boolean): Promise<void> {
    const grantedAt = performance.now();
    const plan = this.planHold();
    const plannedEnd = grantedAt + plan.ms;
    const live: LiveHold = { path: lease.path, armed: plan.armed, grantedAt, plannedEnd, lease };
    this.live.set(worker, live);
    const write = (): void => {
      if (writes && !lease.signal.aborted) this.resource.write(lease.path, lease.token, worker);
    };
    const every = this.options.writeEveryMs ?? [50, 100];
    for (;;) {
      const left = plannedEnd - performance.now();
      if (left <= 0 || !this.running || lease.signal.aborted) break;
      await sleep(Math.min(left, this.between(every)));
      if (performance.now() < plannedEnd) write();
    }
    write();
    this.live.delete(worker);
    this.history.endHold(worker, lease.path, lease.token, 'release');
    await lease.release().catch((err: { code?: string }) => this.count(err.code ?? 'release'));
  }

  private count(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}

/**
 * Takes and releases `path` back to back on `client`, recorded like the
 * workload: how much a cluster grants during a fault, free of the
 * workload's long holds. Resolves after its first grant; `stop` ends it.
 */
export async function busyLoop(
  history: History,
  client: BatonClient,
  path: string,
  consistency: Consistency,
): Promise<{ stop(): Promise<void> }> {
  let running = true;
  let first!: () => void;
  const started = new Promise<void>((resolve) => (first = resolve));
  const loop = (async () => {
    while (running) {
      try {
        const options = { consistency, timeoutMs: 5_000 };
        const lease = await recordedAcquire(history, client, 'busy', path, options);
        history.endHold('busy', path, lease.token, 'release');
        await lease.release();
        first();
      } catch {
        await sleep(20);
      }
    }
  })();
  await started;
  return { stop: () => ((running = false), loop) };
}
