import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchChild } from './child.js';
import { readProcessCpuMs } from './machine.js';
import type { BrokerCommand, BrokerReply } from './messages.js';
import type { BrokerMode, ModeName } from './modes.js';
import { profileArgs, Rig, type Server, type ServerSample, type Target } from './rig.js';

type BrokerChild = BenchChild<BrokerCommand, BrokerReply>;

export interface BrokerStart {
  /** Embedded, or Redis-backed at one consistency level; null: a bare `ws` echo server (T). */
  mode: BrokerMode | null;
  /** Lets the broker run `gc()` before RSS readings (E, T). */
  exposeGc?: boolean;
  /** Also starts the broker's admin HTTP server (`npm run bench:admin`). */
  admin?: boolean;
}

/** A fresh broker process (bench/lib/broker-process.ts) in its own data dir, once it listens. */
export async function startBroker(o: BrokerStart): Promise<BrokerServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'baton-bench-'));
  const execArgv = [...(o.exposeGc ? ['--expose-gc'] : []), ...profileArgs()];
  const redis = o.mode?.redis;
  const child: BrokerChild = BenchChild.fork('broker', './broker-process.js', execArgv, {
    BATON_BENCH_DATA_DIR: dataDir,
    ...(o.mode === null && { BATON_BENCH_FLOOR: '1' }),
    ...(o.mode && { BATON_BENCH_CONSISTENCY: o.mode.consistency }),
    ...(redis && { BATON_BENCH_REDIS_URL: redis.url, BATON_BENCH_REDIS_CLUSTER: redis.cluster }),
    ...(o.admin && { BATON_BENCH_ADMIN: '1' }),
  });
  try {
    const ready = await child.next();
    if (ready.t !== 'ready') throw new Error(`broker: expected ready, got ${ready.t}`);
    if (profileArgs().length > 0)
      process.stderr.write(`bench: profiling broker pid ${child.pid}\n`);
    return new BrokerServer(
      child,
      ready.port,
      dataDir,
      redis?.pid ?? null,
      ready.adminPort ?? null,
    );
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
  const start = (exposeGc?: boolean): Promise<BrokerServer> =>
    startBroker({ mode: newMode(), admin, ...(exposeGc && { exposeGc }) });
  return { name, start: (o) => Rig.start(() => start(o.exposeGc), o.drivers) };
}

export class BrokerServer implements Server {
  readonly endpoint: string;

  constructor(
    private readonly child: BrokerChild,
    readonly port: number,
    private readonly dataDir: string,
    private readonly redisPid: number | null,
    /** The admin HTTP server's port on 127.0.0.1 when started with `admin`, else null. */
    readonly adminPort: number | null,
  ) {
    this.endpoint = `ws://127.0.0.1:${port}`;
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
    return q.waiting + (q.holder ? 1 : 0);
  }

  async stop(): Promise<void> {
    await this.child.stop({ t: 'exit' });
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
