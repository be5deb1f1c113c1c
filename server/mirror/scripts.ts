import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

/** Scripts are registered under a versioned name: a changed script never runs under an old SHA. */
const SCRIPT_VERSION = 'V3';

/** The statuses a script returns first. */
export const SCRIPT_STATUS = { fenced: 0, done: 1, lost: 2, moved: 3 } as const;

/** What Redis can have lost, as the scripts name it. */
export type DataLossKind = 'generation' | 'epoch' | 'log' | 'snapshot';

const LOSS_KINDS: readonly string[] = ['generation', 'epoch', 'log', 'snapshot'];

/** Which dataset generation and epoch a write is made for. */
export interface Owner {
  generation: string;
  epoch: number;
}

/**
 * How a write for one broker ended: done; fenced (another broker leads, or
 * seeded a newer generation); or refused because Redis lost data the broker
 * knows it wrote.
 */
export type Outcome<T> =
  | { status: 'done'; value: T }
  | { status: 'fenced'; why: string }
  | { status: 'lost'; what: DataLossKind };

/** What `takeLead` found. */
export type TakeLeadResult =
  | { status: 'taken'; epoch: number; epochLost: boolean }
  | { status: 'held'; holder: string; leaseLeftMs: number }
  | { status: 'moved'; generation: string }
  | { status: 'lost'; what: 'generation' };

// Beside this module, in the source tree and in dist/ (the build copies them).
const LUA_DIR = new URL('./lua/', import.meta.url);

const SCRIPTS = {
  takeLead: 'takeLead-3.lua',
  renewLead: 'renewLead-5.lua',
  appendLog: 'appendLog-4.lua',
  writeSnapshot: 'writeSnapshot-4.lua',
  reserveTokens: 'reserveTokens-3.lua',
  seedGeneration: 'seedGeneration-6.lua',
  handOver: 'handOver-5.lua',
  dropGeneration: 'dropGeneration-1.lua',
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number | Buffer;
type Caller = (...args: Arg[]) => Promise<unknown>;

/** A script's reply read as an outcome; `done` turns the rest of the reply into the value. */
function outcome<T>(reply: unknown[], done: (rest: unknown[]) => T): Outcome<T> {
  const [status, detail] = reply;
  if (status === SCRIPT_STATUS.done) return { status: 'done', value: done(reply.slice(1)) };
  if (status === SCRIPT_STATUS.lost && LOSS_KINDS.includes(String(detail))) {
    return { status: 'lost', what: detail as DataLossKind };
  }
  return { status: 'fenced', why: String(detail) };
}

/** Typed calls of the Lua scripts, each with the keys it needs. */
export class RedisScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    const fence = readFileSync(new URL('fence.lua', LUA_DIR), 'utf8');
    for (const [name, file] of Object.entries(SCRIPTS)) {
      const body = readFileSync(new URL(file, LUA_DIR), 'utf8');
      const numberOfKeys = Number(/-(\d+)\.lua$/.exec(file)![1]);
      redis.defineCommand(name + SCRIPT_VERSION, { numberOfKeys, lua: `${fence}\n${body}` });
    }
  }

  private call(name: ScriptName, ...args: Arg[]): Promise<unknown[]> {
    const fn = (this.redis as unknown as Record<string, Caller>)[name + SCRIPT_VERSION];
    return fn!.apply(this.redis, args) as Promise<unknown[]>;
  }

  /** Takes the lease for `generation` if nobody holds it, with an epoch above `seenEpoch`. */
  async takeLead(
    me: string,
    leaseMs: number,
    seenEpoch: number,
    generation: string,
  ): Promise<TakeLeadResult> {
    const { leader, epoch, generation: gen } = this.keys;
    const reply = await this.call(
      'takeLead',
      leader,
      epoch,
      gen,
      me,
      leaseMs,
      seenEpoch,
      generation,
    );
    const [status, a, b] = reply;
    switch (status) {
      case SCRIPT_STATUS.done:
        return { status: 'taken', epoch: Number(a), epochLost: b === 'epoch' };
      case SCRIPT_STATUS.fenced:
        return { status: 'held', holder: String(a), leaseLeftMs: Number(b) };
      case SCRIPT_STATUS.moved:
        return { status: 'moved', generation: String(a) };
      default:
        return { status: 'lost', what: 'generation' };
    }
  }

  /** Renews the lease, once Redis is seen to hold every batch up to `ackedSeq`. */
  async renewLead(
    me: string,
    leaseMs: number,
    owner: Owner,
    ackedSeq: number,
  ): Promise<Outcome<null>> {
    const { leader, epoch, generation, log, snapshot } = this.keys;
    const reply = await this.call(
      'renewLead',
      leader,
      epoch,
      generation,
      log,
      snapshot,
      me,
      leaseMs,
      owner.epoch,
      owner.generation,
      ackedSeq,
    );
    return outcome(reply, () => null);
  }

  /** Appends batch `seq`; its stream id when done. */
  async appendLog(owner: Owner, seq: number, batch: Buffer): Promise<Outcome<string>> {
    const { generation, epoch, log, snapshot } = this.keys;
    const reply = await this.call(
      'appendLog',
      generation,
      epoch,
      log,
      snapshot,
      owner.generation,
      owner.epoch,
      seq,
      batch,
    );
    return outcome(reply, ([id]) => String(id));
  }

  /** Stores a snapshot as of batch `seq` and trims the log below `trimBelow`. */
  async writeSnapshot(
    owner: Owner,
    seq: number,
    data: Buffer,
    trimBelow: string,
  ): Promise<Outcome<string>> {
    const { generation, epoch, log, snapshot } = this.keys;
    const reply = await this.call(
      'writeSnapshot',
      generation,
      epoch,
      log,
      snapshot,
      owner.generation,
      owner.epoch,
      seq,
      data,
      trimBelow,
    );
    return outcome(reply, ([id]) => String(id));
  }

  async reserveTokens(
    owner: Owner,
    floor: number,
    count: number,
  ): Promise<Outcome<{ start: number; limit: number }>> {
    const { generation, epoch, tokens } = this.keys;
    const reply = await this.call(
      'reserveTokens',
      generation,
      epoch,
      tokens,
      owner.generation,
      owner.epoch,
      floor,
      count,
    );
    return outcome(reply, ([start, limit]) => ({ start: Number(start), limit: Number(limit) }));
  }

  /**
   * Seeds generation `next` in place of `previous` ('' for none) with this
   * broker as leader and `snapshot` as the table; resolves to the new epoch.
   */
  async seedGeneration(
    me: string,
    leaseMs: number,
    seed: { previous: string; next: string; seenEpoch: number; tokenMark: number },
    snapshot: Buffer,
  ): Promise<Outcome<number>> {
    const { leader, epoch, generation, log, snapshot: snap, tokens } = this.keys;
    const reply = await this.call(
      'seedGeneration',
      leader,
      epoch,
      generation,
      log,
      snap,
      tokens,
      me,
      leaseMs,
      seed.previous,
      seed.next,
      seed.seenEpoch,
      seed.tokenMark,
      snapshot,
    );
    return outcome(reply, ([e]) => Number(e));
  }

  /** Appends the handover marker as batch `seq` and gives up the lease. */
  async handOver(
    owner: Owner,
    seq: number,
    emptyBatch: Buffer,
    me: string,
  ): Promise<Outcome<string>> {
    const { generation, epoch, log, snapshot, leader } = this.keys;
    const reply = await this.call(
      'handOver',
      generation,
      epoch,
      log,
      snapshot,
      leader,
      owner.generation,
      owner.epoch,
      seq,
      emptyBatch,
      me,
    );
    return outcome(reply, ([id]) => String(id));
  }

  /** Deletes the generation key if it is still `generation`. */
  async dropGeneration(generation: string): Promise<void> {
    await this.call('dropGeneration', this.keys.generation, generation);
  }
}
