import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { RedisKeys } from './keys.js';

/** Scripts are registered under a versioned name: a changed script never runs under an old SHA. */
const SCRIPT_VERSION = 'V2';

/** The statuses every script returns first. */
export const SCRIPT_STATUS = { fenced: 0, done: 1 } as const;

// Beside this module, in the source tree and in dist/ (the build copies them).
const LUA_DIR = new URL('./lua/', import.meta.url);

const SCRIPTS = {
  takeLead: { file: 'takeLead-2.lua', keys: 2 },
  renewLead: { file: 'renewLead-2.lua', keys: 2 },
  appendLog: { file: 'appendLog-2.lua', keys: 2 },
  writeSnapshot: { file: 'writeSnapshot-3.lua', keys: 3 },
  reserveTokens: { file: 'reserveTokens-2.lua', keys: 2 },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number | Buffer;
type Caller = (...args: Arg[]) => Promise<unknown>;

/** Typed calls of the Lua scripts, each with the keys it needs. */
export class RedisScripts {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {
    for (const [name, { file, keys }] of Object.entries(SCRIPTS)) {
      const lua = readFileSync(new URL(file, LUA_DIR), 'utf8');
      redis.defineCommand(name + SCRIPT_VERSION, { numberOfKeys: keys, lua });
    }
  }

  private call(name: ScriptName, ...args: Arg[]): Promise<unknown[]> {
    const fn = (this.redis as unknown as Record<string, Caller>)[name + SCRIPT_VERSION];
    return fn!.apply(this.redis, args) as Promise<unknown[]>;
  }

  /** The epoch when this broker took the lease; otherwise who holds it ("id url"), if anyone. */
  async takeLead(
    me: string,
    leaseMs: number,
    seenEpoch: number,
  ): Promise<{ epoch: number } | { holder: string | null }> {
    const { leader, epoch } = this.keys;
    const [status, value] = await this.call('takeLead', leader, epoch, me, leaseMs, seenEpoch);
    return status === SCRIPT_STATUS.done
      ? { epoch: Number(value) }
      : { holder: value === null ? null : String(value) };
  }

  async renewLead(me: string, leaseMs: number, epoch: number): Promise<boolean> {
    const { leader, epoch: epochKey } = this.keys;
    const result = await this.call('renewLead', leader, epochKey, me, leaseMs, epoch);
    return (result as unknown as number) === SCRIPT_STATUS.done;
  }

  /** The stream id of the appended batch, or null when another epoch owns the log. */
  async appendLog(epoch: number, batch: Buffer): Promise<string | null> {
    const [status, id] = await this.call('appendLog', this.keys.epoch, this.keys.log, epoch, batch);
    return status === SCRIPT_STATUS.done ? String(id) : null;
  }

  async writeSnapshot(epoch: number, data: Buffer, trimBelow: string): Promise<string | null> {
    const { epoch: e, log, snapshot } = this.keys;
    const [status, id] = await this.call('writeSnapshot', e, log, snapshot, epoch, data, trimBelow);
    return status === SCRIPT_STATUS.done ? String(id) : null;
  }

  async reserveTokens(
    epoch: number,
    floor: number,
    count: number,
  ): Promise<{ start: number; limit: number } | null> {
    const { epoch: e, tokens } = this.keys;
    const [status, start, limit] = await this.call('reserveTokens', e, tokens, epoch, floor, count);
    return status === SCRIPT_STATUS.done ? { start: Number(start), limit: Number(limit) } : null;
  }
}
