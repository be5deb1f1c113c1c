import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consistency } from '../../shared/protocol.js';
import { BenchChild } from './child.js';
import { readProcessCpuMs } from './machine.js';
import type { BenchRedis } from './redis.js';
import { profileArgs, Rig, type Server, type ServerSample, type Target } from './rig.js';
import {
  SECURED_MODES,
  securityMaterial,
  type SecuredModeName,
  type Security,
} from './security.js';

/** The three ways the broker under test runs. */
export const MODE_NAMES = ['embedded', 'redis-efficient', 'redis-strict'] as const;
/** Those, and the embedded broker with TLS or auth on (security.ts): A and B only. */
export type ModeName = (typeof MODE_NAMES)[number] | SecuredModeName;

/**
 * The floor lock server (bench/floor/) in the broker's place: alone, or with
 * its Redis log in efficient or strict consistency, the floor of the Redis modes.
 */
export const FLOOR_MODES = ['floor', 'floor-efficient', 'floor-strict'] as const;
export type FloorMode = (typeof FLOOR_MODES)[number];
export const isFloor = (name: string): name is FloorMode =>
  (FLOOR_MODES as readonly string[]).includes(name);

/** Each Redis mode's own floor: the floor with a Redis log of the same consistency. */
const REDIS_FLOORS: Partial<Record<ModeName, FloorMode>> = {
  'redis-efficient': 'floor-efficient',
  'redis-strict': 'floor-strict',
};

/** The floor a Baton mode is read against: a Redis mode's own, else the floor alone. */
export const floorOf = (name: ModeName): FloorMode => REDIS_FLOORS[name] ?? 'floor';

/** The Redis mode whose setup (Redis, cluster, consistency) a floor's log takes; null for the floor alone. */
export const redisModeOf = (floor: FloorMode): ModeName | null =>
  MODE_NAMES.find((m) => REDIS_FLOORS[m] === floor) ?? null;

/** True for the modes that need the bench's Redis. */
export const needsRedis = (name: string): boolean =>
  name.startsWith('redis-') || (isFloor(name) && redisModeOf(name) !== null);

/** What one run's broker is told: its mode, and for Redis where and under which cluster. */
export interface BrokerMode {
  name: ModeName;
  consistency: Consistency;
  redis: { url: string; pid: number; cluster: string } | null;
  /** TLS or auth on; both off but in the secured modes. */
  security: Security;
}

const PLAIN: Security = { tls: false, auth: false };

let clusters = 0;

/**
 * The broker setup of one run in `name` mode. Each Redis run gets a cluster
 * name (the hash tag of every key) no run used before, so it starts on an
 * empty log, epoch 0 and no leader lease, though all runs share one Redis.
 */
export function brokerMode(name: ModeName, redis: BenchRedis | null, tag: string): BrokerMode {
  if (name === 'embedded') return { name, consistency: 'efficient', redis: null, security: PLAIN };
  if (name in SECURED_MODES) {
    const security = SECURED_MODES[name as SecuredModeName];
    return { name, consistency: 'efficient', redis: null, security };
  }
  if (!redis) throw new Error(`${name} needs Redis`);
  const cluster = `bench-${process.pid}-${++clusters}-${tag}-${name}`.replace(/[^\w.-]/g, '');
  return {
    name,
    consistency: name === 'redis-strict' ? 'strict' : 'efficient',
    redis: { url: redis.url, pid: redis.pid, cluster },
    security: PLAIN,
  };
}

/** What broker-process.ts reads from `BATON_BENCH_BROKER`. */
export interface BrokerSetup {
  dataDir: string;
  consistency: Consistency;
  redis: { url: string; cluster: string } | null;
  /**
   * In the broker's place: a bare `ws` echo server (scenario T), or the floor
   * lock server (bench/floor/), which logs its grants to `redis` when set.
   */
  standIn: StandIn | null;
  /** Also start the admin HTTP server (`npm run bench:admin`). */
  admin: boolean;
  /** Serve wss:// with these files. */
  tls: { cert: string; key: string } | null;
  /** Require the principals of this auth file. */
  authFile: string | null;
}

/** What may stand where the broker does: see `BrokerSetup.standIn`. */
export type StandIn = 'echo' | 'floor';

/** What the drivers' clients add to their options: the CA, the token. JSON, for IPC. */
export interface DriverClientOptions {
  tls?: { ca: string };
  authToken?: string;
}

export type BrokerCommand =
  { t: 'sample' } | { t: 'queue'; path: string } | { t: 'gc' } | { t: 'exit' };

export type BrokerReply =
  | { t: 'ready'; port: number; adminPort: number | null }
  | ({ t: 'sample' } & ServerSample)
  | { t: 'queue'; holders: number; waiting: number }
  | { t: 'gc-done' }
  | { t: 'error'; message: string };

type BrokerChild = BenchChild<BrokerCommand, BrokerReply>;

/**
 * A fresh broker process (broker-process.ts) in its own data dir, once it
 * listens: in `mode`, or a stand-in in the broker's place (T's echo server, the floor).
 * `exposeGc` lets it run `gc()` before RSS readings (E, T).
 */
export async function startBroker(
  modeOrStandIn: BrokerMode | StandIn,
  o: { exposeGc?: boolean; admin?: boolean; floorLog?: BrokerMode } = {},
): Promise<BrokerServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const mode = typeof modeOrStandIn === 'string' ? (o.floorLog ?? null) : modeOrStandIn;
  const redis = mode?.redis ?? null;
  const security = mode?.security ?? PLAIN;
  const material = security.tls || security.auth ? await securityMaterial() : null;
  const client: DriverClientOptions = {};
  if (material && security.tls) client.tls = { ca: material.caPem };
  if (material && security.auth) client.authToken = material.token;
  const setup: BrokerSetup = {
    dataDir,
    consistency: mode?.consistency ?? 'efficient',
    redis: redis && { url: redis.url, cluster: redis.cluster },
    standIn: typeof modeOrStandIn === 'string' ? modeOrStandIn : null,
    admin: o.admin ?? false,
    tls: material && security.tls ? { cert: material.certFile, key: material.keyFile } : null,
    authFile: material && security.auth ? material.authFile : null,
  };
  const execArgv = [...(o.exposeGc ? ['--expose-gc'] : []), ...profileArgs()];
  const env = { BATON_BENCH_BROKER: JSON.stringify(setup) };
  const child: BrokerChild = new BenchChild('broker', './broker-process.js', execArgv, env);
  try {
    const ready = await child.next();
    if (ready.t !== 'ready') throw new Error(`broker: expected ready, got ${ready.t}`);
    if (profileArgs().length) process.stderr.write(`bench: profiling broker pid ${child.pid}\n`);
    const scheme = setup.tls ? 'wss' : 'ws';
    const endpoint = `${scheme}://127.0.0.1:${ready.port}`;
    const ids = { dataDir, redisPid: redis?.pid ?? null, adminPort: ready.adminPort };
    return new BrokerServer(child, endpoint, client, ids);
  } catch (err) {
    child.kill();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Baton's broker as a row's system: a fresh broker per run, each in a fresh
 * mode (`newMode`), so a second run does not meet the first one's leader
 * lease in Redis.
 */
export function brokerTarget(name: ModeName, newMode: () => BrokerMode, admin = false): Target {
  const start = (exposeGc?: boolean) => startBroker(newMode(), { admin, exposeGc });
  return { name, start: (o) => Rig.start(() => start(o.exposeGc), o.drivers) };
}

/**
 * The floor lock server (bench/floor/) as a row's system, in the broker's
 * process frame (so CPU and RSS are read the same way), loaded by drivers
 * whose sessions are the floor's clients. With `newLog` (a Redis mode's
 * setup, fresh per run) it logs its grants to that Redis in that consistency.
 */
export function floorTarget(name: FloorMode = 'floor', newLog?: () => BrokerMode): Target {
  const start = (exposeGc?: boolean) =>
    startBroker('floor', { ...(exposeGc && { exposeGc }), ...(newLog && { floorLog: newLog() }) });
  const env = { BATON_BENCH_PEER: 'floor' };
  return { name, start: (o) => Rig.start(() => start(o.exposeGc), o.drivers, env) };
}

export class BrokerServer implements Server {
  private readonly dataDir: string;
  private readonly redisPid: number | null;
  /** The admin HTTP server's port when started with `admin`, else null. */
  readonly adminPort: number | null;

  constructor(
    private readonly child: BrokerChild,
    readonly endpoint: string,
    readonly clientOptions: DriverClientOptions,
    ids: { dataDir: string; redisPid: number | null; adminPort: number | null },
  ) {
    this.dataDir = ids.dataDir;
    this.redisPid = ids.redisPid;
    this.adminPort = ids.adminPort;
  }

  async sample(): Promise<ServerSample> {
    const { t: _, ...sample } = await this.child.ask({ t: 'sample' }, 'sample');
    return sample;
  }

  redisCpuMs(): number | null {
    return this.redisPid === null ? null : readProcessCpuMs(this.redisPid);
  }

  async gc(): Promise<void> {
    await this.child.ask({ t: 'gc' }, 'gc-done');
  }

  async queueLength(path: string): Promise<number> {
    const q = await this.child.ask({ t: 'queue', path }, 'queue');
    return q.waiting + q.holders;
  }

  async stop(): Promise<void> {
    await this.child.stop({ t: 'exit' });
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
