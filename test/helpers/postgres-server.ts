import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../support/free-port.js';

/** How long initdb, then the server, get to be ready. */
const START_TIMEOUT_MS = 30_000;
/** How long a fast shutdown (SIGINT) gets before SIGKILL. */
const STOP_TIMEOUT_MS = 5_000;

/**
 * A throwaway PostgreSQL cluster: `initdb` into a temp dir, `postgres` on a
 * free loopback port with its socket in that dir, trust auth for the user
 * `baton`. Never the machine's own server on 5432. The caller stops it
 * (`afterAll(() => server.stop())`): killed by pid, its dir removed.
 */
export class PostgresServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://baton@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<PostgresServer> {
    const bin = postgresBinDir();
    const owner = unprivilegedOwner();
    const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
    try {
      if (owner) chownSync(dir, owner.uid, owner.gid);
      const data = join(dir, 'data');
      const as = { ...(owner ?? {}), cwd: dir, env: postgresEnv() };
      const initArgs = ['-D', data, '-U', 'baton', '-A', 'trust', '--no-sync', '-E', 'UTF8'];
      execFileSync(join(bin, 'initdb'), [...initArgs, '--locale=C'], {
        ...as,
        stdio: 'pipe',
        timeout: START_TIMEOUT_MS,
      });
      const port = await freePort();
      const args = ['-D', data, '-p', String(port), '-k', dir];
      const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'max_connections=20'];
      const child = spawn(join(bin, 'postgres'), [...args, ...settings.flatMap((s) => ['-c', s])], {
        ...as,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const server = new PostgresServer(child, dir, port);
      await server.ready().catch(async (err: unknown) => {
        await server.stop();
        throw err;
      });
      return server;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** A connected `pg.Client`; the caller ends it. */
  async connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    await client.connect();
    return client;
  }

  /** Fast shutdown by pid (SIGKILL if it lingers), then the dir goes. */
  async stop(): Promise<void> {
    const { child } = this;
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGINT');
      const timer = setTimeout(
        () => child.pid && process.kill(child.pid, 'SIGKILL'),
        STOP_TIMEOUT_MS,
      );
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Resolves once a query goes through; rejects with the server's output when it exits or stalls. */
  private async ready(): Promise<void> {
    let out = '';
    const collect = (chunk: Buffer): void => {
      if (out.length < 64 * 1024) out += chunk.toString();
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`postgres exited:\n${out}`);
      }
      if (performance.now() > deadline) throw new Error(`postgres did not start:\n${out}`);
      try {
        const client = await this.connect();
        await client.query('SELECT 1');
        await client.end();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/**
 * Where `initdb` and `postgres` are: $BATON_PG_BINDIR, else Debian's
 * /usr/lib/postgresql/<newest>/bin (what `apt-get install postgresql` gives
 * and .ci/run installs), else `pg_config --bindir`.
 */
export function postgresBinDir(): string {
  const has = (dir: string): boolean =>
    existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'));
  const fromEnv = process.env.BATON_PG_BINDIR;
  if (fromEnv && has(fromEnv)) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (has(join(debian, v, 'bin'))) return join(debian, v, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (has(dir)) return dir;
  } catch {
    // No pg_config: fall through to the error that says what to install.
  }
  throw new Error(
    'no PostgreSQL server binaries: apt-get install postgresql, or set BATON_PG_BINDIR',
  );
}

/**
 * PostgreSQL refuses to run as root: as root, the cluster runs as the
 * `postgres` user, else as `nobody`. Otherwise as whoever runs the tests.
 */
function unprivilegedOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const entry = users.find((fields) => fields[0] === name);
    if (entry) return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user to run PostgreSQL as');
}

/** The tests' environment without PG* variables, which would point the tools elsewhere. */
function postgresEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  return { ...env, LC_ALL: 'C' };
}
