import type { Server } from 'node:net';
import { forgetOldestTenth } from './forget-oldest.js';
import { TokenRate } from './rate-limit.js';

/** What one client address, and one connection, may open and send. */
export interface AdmissionLimits {
  /** Open connections in all; past it the listener refuses sockets at once. */
  maxConnections: number;
  /** Open connections from one client address. */
  maxConnectionsPerAddress: number;
  /** Hellos (new and resumed sessions) per second from one address, and the burst allowed. */
  helloRatePerSec: number;
  helloBurst: number;
  /** Frames per second on one connection, and the burst allowed. */
  frameRatePerSec: number;
  frameBurst: number;
}

/** No limit: for gateways made without them (tests of other things). */
export const NO_ADMISSION_LIMITS: AdmissionLimits = Object.freeze({
  maxConnections: Infinity,
  maxConnectionsPerAddress: Infinity,
  helloRatePerSec: Infinity,
  helloBurst: Infinity,
  frameRatePerSec: Infinity,
  frameBurst: Infinity,
});

/** `limits` with those not given unlimited. */
export function admissionLimits(limits: Partial<AdmissionLimits>): AdmissionLimits {
  const all = { ...NO_ADMISSION_LIMITS };
  for (const key of Object.keys(all) as (keyof AdmissionLimits)[]) {
    const value = limits[key];
    if (value !== undefined) all[key] = value;
  }
  return all;
}

/** Hello buckets remembered at most; the oldest are forgotten first (their addresses get a full burst). */
const MAX_HELLO_BUCKETS = 10_000;

/**
 * The gateway's door: counts connections per client address and hellos per
 * address. Connections are counted exactly (the map is bounded by
 * `maxConnections`); hello buckets are forgotten oldest first past
 * {@link MAX_HELLO_BUCKETS}.
 */
export class Admission {
  private readonly connections = new Map<string, number>();
  /** Each address's hello bucket (see {@link TokenRate}). */
  private readonly hellos = new Map<string, number>();
  private readonly helloRate: TokenRate;
  /** The rate of every connection's frames; each connection keeps its own bucket. */
  readonly frameRate: TokenRate;

  constructor(readonly limits: AdmissionLimits) {
    this.helloRate = new TokenRate(limits.helloRatePerSec, limits.helloBurst);
    this.frameRate = new TokenRate(limits.frameRatePerSec, limits.frameBurst);
  }

  /** Refuses sockets past `maxConnections` in the kernel's accept path, before any upgrade. */
  capListener(server: Server, dropped: () => void): void {
    if (Number.isFinite(this.limits.maxConnections)) {
      server.maxConnections = this.limits.maxConnections;
      server.on('drop', dropped);
    }
  }

  /** Counts a new connection from `address`; false (and not counted) past the per-address cap. */
  admit(address: string): boolean {
    const open = this.connections.get(address) ?? 0;
    if (open >= this.limits.maxConnectionsPerAddress) return false;
    this.connections.set(address, open + 1);
    return true;
  }

  /** An admitted connection closed. */
  release(address: string): void {
    const open = this.connections.get(address) ?? 0;
    if (open <= 1) this.connections.delete(address);
    else this.connections.set(address, open - 1);
  }

  /** Whether `address` may say hello now. */
  helloAllowed(address: string, now: number): boolean {
    if (!Number.isFinite(this.limits.helloBurst)) return true;
    let bucket = this.hellos.get(address);
    if (bucket === undefined) {
      if (this.hellos.size >= MAX_HELLO_BUCKETS) forgetOldestTenth(this.hellos, MAX_HELLO_BUCKETS);
      bucket = this.helloRate.full(now);
    }
    const allowed = this.helloRate.tokens(bucket, now) >= 1;
    // Setting a known address again keeps its place in the order forgetOldestTenth follows.
    this.hellos.set(address, allowed ? this.helloRate.spend(bucket, now) : bucket);
    return allowed;
  }

  /** Whether a frame bucket's balance (after `spend`) means a flood to cut off: a whole burst in debt. */
  flooding(balance: number): boolean {
    return balance < -this.limits.frameBurst;
  }
}
