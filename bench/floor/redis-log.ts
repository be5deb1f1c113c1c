/**
 * The floor's Redis log (issue 14): the least a push lock server can do to
 * mirror its grants to Redis, so Baton's Redis modes have a floor of their
 * own. One stream, one plain XADD per batch (no fencing, continuity checks,
 * snapshots or sessions), one write in flight, the next batch gathering
 * meanwhile: group commit, as Baton's log writer does. `strict` sends a grant
 * once its batch is acknowledged; `efficient` sends at once and writes a
 * batch Baton's default linger (or `BATON_BENCH_LINGER_MS`) after its first
 * grant. It logs grants only (Baton's log holds releases and queue changes too).
 */
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_MIRROR_OPTIONS } from '../../server/mirror/redis-mirror-options.js';
import type { Consistency } from '../../shared/protocol.js';
import { floorCodec } from './server.js';

/** The stream is trimmed to about this many batches, as a server's log must be bounded. */
const KEEP_BATCHES = 10_000;

export interface FloorLogSetup {
  url: string;
  cluster: string;
  consistency: Consistency;
  /** The efficient linger; null: the broker's default. */
  lingerMs: number | null;
}

export class FloorLog {
  private readonly key: string;
  private entries: unknown[] = [];
  private waiting: (() => void)[] = [];
  private writing = false;

  /** Once Redis answers; `failed` hears of a write that failed (the run is then void). */
  static async open(setup: FloorLogSetup, failed: (err: unknown) => void): Promise<FloorLog> {
    const redis = new Redis(setup.url, { maxRetriesPerRequest: 0 });
    await redis.ping();
    return new FloorLog(redis, setup, failed);
  }

  private constructor(
    private readonly redis: Redis,
    private readonly setup: FloorLogSetup,
    private readonly failed: (err: unknown) => void,
  ) {
    this.key = `floor:{${setup.cluster}}:log`;
  }

  /** Whether a grant waits for its batch to be durable. */
  get strict(): boolean {
    return this.setup.consistency === 'strict';
  }

  /** Logs `entry`; `send` runs once the consistency allows the grant out. */
  grant(entry: unknown, send: () => void): void {
    this.entries.push(entry);
    if (this.strict) this.waiting.push(send);
    else send();
    if (this.writing) return;
    this.writing = true;
    this.next();
  }

  /** Writes what gathered: in strict at the end of this turn, in efficient after the linger. */
  private next(): void {
    const write = () => this.write().catch(this.failed);
    if (this.strict) setImmediate(write);
    else setTimeout(write, this.setup.lingerMs ?? DEFAULT_REDIS_MIRROR_OPTIONS.appendLingerMs);
  }

  private async write(): Promise<void> {
    const [entries, waiting] = [this.entries, this.waiting];
    this.entries = [];
    this.waiting = [];
    await this.redis.xadd(
      this.key,
      'MAXLEN',
      '~',
      KEEP_BATCHES,
      '*',
      'b',
      floorCodec.pack(entries),
    );
    for (const send of waiting) send();
    if (this.entries.length > 0) this.next();
    else this.writing = false;
  }
}
