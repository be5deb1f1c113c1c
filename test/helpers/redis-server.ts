import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { freePort } from '../support/free-port.js';
import { spawnRedis } from '../support/redis-spawn.js';
import { tempDir } from './harness.js';

/** How `RedisProcess.restart` comes back. */
export interface RedisRestartOptions {
  /**
   * Empty its dir first (AOF, RDB): a Redis restarted without persistence,
   * which comes back with nothing. Default false.
   */
  wipe?: boolean;
  /**
   * Start from this RDB file (see `saveRdb`) instead of the AOF: the AOF is
   * removed, the RDB loaded, then the AOF switched on again (rewritten from
   * what was loaded). An AOF rewound to an older RDB. Default none.
   */
  fromRdb?: string;
}

/**
 * A real `redis-server` on a free loopback port with its own dir, persisting
 * every write (AOF, fsync always) so a restart keeps what it acknowledged.
 * Killed by pid when the test ends.
 */
export class RedisProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly extraArgs: string[],
  ) {}

  static async start(extraArgs: string[] = []): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), tempDir(), extraArgs);
    onTestFinished(() => redis.kill('SIGKILL'));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /**
   * Starts (again) on the same port and dir, and waits until it accepts
   * connections; with `wipe` or `fromRdb` it comes back with less than it had.
   */
  async restart(options: RedisRestartOptions = {}): Promise<void> {
    if (this.child) throw new Error('redis is still running');
    if (options.wipe || options.fromRdb !== undefined) {
      for (const name of readdirSync(this.dir)) {
        rmSync(join(this.dir, name), { recursive: true, force: true });
      }
    }
    // Redis 7 with `appendonly yes` and no AOF starts empty: load the RDB with it off.
    if (options.fromRdb !== undefined) copyFileSync(options.fromRdb, join(this.dir, 'dump.rdb'));
    const appendonly = options.fromRdb === undefined ? 'yes' : 'no';
    await this.spawn(appendonly);
    if (appendonly === 'no') await this.command('CONFIG', 'SET', 'appendonly', 'yes');
  }

  /**
   * `SAVE`, and a copy of the RDB it wrote kept beside the dir: what an
   * older backup (or a rewound AOF) holds. Returns the copy's path.
   */
  async saveRdb(): Promise<string> {
    const saved = await this.command('SAVE');
    if (!saved.startsWith('OK')) throw new Error(`SAVE failed: ${saved}`);
    const copy = join(tempDir(), 'old.rdb');
    copyFileSync(join(this.dir, 'dump.rdb'), copy);
    return copy;
  }

  private async spawn(appendonly: 'yes' | 'no'): Promise<void> {
    const child = await spawnRedis(this.port, this.dir, [
      ...['--save', '', '--appendonly', appendonly, '--appendfsync', 'always'],
      ...['--protected-mode', 'no', ...this.extraArgs],
    ]);
    this.child = child;
    child.on('exit', () => {
      if (this.child === child) this.child = null;
    });
  }

  /** 'master' or 'slave', as the server reports itself. */
  async role(): Promise<string> {
    return ((await this.command('ROLE')).split('\n')[0] ?? '').trim();
  }

  /**
   * Runs one command through `redis-cli` (FLUSHALL, DEL a key…) and returns
   * its raw output; '' when the server cannot be reached.
   */
  async command(...args: string[]): Promise<string> {
    const { execFile } = await import('node:child_process');
    return new Promise((resolve) =>
      execFile('redis-cli', ['-p', String(this.port), ...args], (err, out) =>
        resolve(err ? '' : out),
      ),
    );
  }

  /** Sends `signal` (SIGKILL by default) and waits for the exit when it is fatal. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited;
  }
}

/** A Redis Sentinel watching `primaryPort` as "mymaster" (quorum 1, fast failover). */
export class SentinelProcess {
  private constructor(readonly port: number) {}

  /** `extraConf`: more lines for its config (say `sentinel auth-pass mymaster PW`). */
  static async start(primaryPort: number, extraConf: string[] = []): Promise<SentinelProcess> {
    const port = await freePort();
    const dir = tempDir();
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor mymaster 127.0.0.1 ${primaryPort} 1`,
        'sentinel down-after-milliseconds mymaster 1000',
        'sentinel failover-timeout mymaster 5000',
        ...extraConf,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onTestFinished(() => {
      if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`sentinel did not start:\n${out}`)), 10_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('+monitor master')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return new SentinelProcess(port);
  }
}
