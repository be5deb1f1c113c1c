import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect } from '../../client/node.js';
import { connectionFlood, frameFlood, ghostFlood, type Tally } from '../helpers/abuse-attacks.js';
import { CLI, eventually, sleep, spawnNode, tempDir } from '../helpers/harness.js';
import { floodLocks } from '../helpers/lock-flood.js';
import { percentiles, type Percentiles } from '../support/percentiles.js';

/**
 * The abuse run: four floods against one broker process started under a low
 * open-files limit, each while a well-behaved client (its own process)
 * keeps acquiring and releasing. `npm run test:faults` runs it at full size
 * (BATON_ABUSE_FULL=1) and writes the figures to test-artifacts/abuse.json;
 * `npm test` runs a short one.
 */
const FULL = process.env.BATON_ABUSE_FULL === '1';
const S = FULL
  ? { quietMs: 5_000, floodMs: 20_000, ghostConcurrency: 100, sockets: 700 }
  : { quietMs: 2_000, floodMs: 3_000, ghostConcurrency: 20, sockets: 400 };
const LOCK_FLOOD = FULL
  ? { sessions: 100, locksPerSession: 1_000 }
  : { sessions: 20, locksPerSession: 500 };
/** The open-files limit of the broker: its default connection cap is 256 below it. */
const FILE_LIMIT = 512;
/** The good client's p99 acquire → grant must stay under this in every window. */
const P99_BOUND_MS = 1_000;
const ROOT = join(import.meta.dirname, '../..');
const GOOD_CLIENT = join(ROOT, 'test/fixtures/good-client.mjs');

/** Each flood plays another host, so the per-address limits tell it from the good client. */
const HOSTS = {
  ghost: '127.0.0.2',
  fresh: '127.0.0.3',
  sockets: '127.0.0.4',
  locks: '127.0.0.5',
  frames: '127.0.0.6',
};

interface Broker {
  url: string;
  adminUrl: string;
  exited: () => boolean;
}

async function startBroker(flags: string[]): Promise<Broker> {
  const args = [CLI, 'server', '--port', '0', '--admin-port', '0', '--data-dir', tempDir()];
  const quoted = [process.execPath, ...args, ...flags].map((a) => `'${a}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${FILE_LIMIT} && exec ${quoted}`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  onTestFinished(() => {
    if (!exited) child.kill('SIGKILL');
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => lines.push(l));
  const find = (re: RegExp) => () => lines.map((l) => re.exec(l)?.[1]).find(Boolean);
  const url = await eventually(find(/listening on (ws:\/\/\S+)/), 10_000, 'the broker');
  const adminUrl = await eventually(find(/console: (http:\/\/[^/\s]+)/), 10_000, 'the console');
  return { url, adminUrl, exited: () => exited };
}

/** The good client's samples, by the wall time each acquire started. */
function startGoodClient(url: string): { samples: [number, number][]; errors: string[] } {
  const samples: [number, number][] = [];
  const errors: string[] = [];
  const child = spawnNode([GOOD_CLIENT, url, '20'], {}, (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'sample') samples.push([Number(a), Number(b)]);
    else if (kind === 'error') errors.push(a ?? '');
  });
  void child.waitForLine(/ready/);
  return { samples, errors };
}

async function overview(adminUrl: string): Promise<{ sessions: number; connections: number }> {
  const res = await fetch(`${adminUrl}/api/overview`);
  return (await res.json()) as { sessions: number; connections: number };
}

interface Window {
  name: string;
  fromWall: number;
  toWall: number;
  attack?: Tally | Record<string, unknown>;
}

describe('the abuse run', () => {
  it(
    'keeps the broker alive and a good client served through four floods',
    async () => {
      // Default limits but a smaller sessions quota, so the ghosts meet it within the window;
      // the short run shortens the detach cap and the locks quota too. Its quota of 100 is
      // met before the first ghosts end (the 3 s cap) at 34 opens a second or more; alone the
      // flood opens ~900 a second, but in a loaded full suite 500 was once not reached.
      const short = ['--max-detached-ms', '3000', '--max-locks-per-owner', '5000'];
      const flags = ['--max-sessions-per-owner', FULL ? '2000' : '100', ...(FULL ? [] : short)];
      const broker = await startBroker(flags);
      const good = startGoodClient(broker.url);
      await eventually(
        () => (good.samples.length > 0 ? true : undefined),
        10_000,
        'the good client',
      );
      const windows: Window[] = [];
      const window = async (
        name: string,
        attack: (untilMs: number) => Promise<Window['attack']>,
      ) => {
        const fromWall = Date.now();
        const result = await attack(performance.now() + (name === 'quiet' ? S.quietMs : S.floodMs));
        windows.push({ name, fromWall, toWall: Date.now(), attack: result });
        expect(broker.exited(), `the broker died during ${name}`).toBe(false);
        await sleep(500);
      };
      const baseline = (await overview(broker.adminUrl)).sessions;

      await window('quiet', (until) => sleep(until - performance.now()).then(() => undefined));

      // Ghosts: many max-TTL sessions opened and abandoned. Meanwhile a new client from
      // another host must still get a session: the lock-out of the attack.
      let freshGotIn = false;
      await window('ghost sessions', async (until) => {
        const fresh = (async () => {
          await sleep(S.floodMs / 2);
          const c = await connect({ url: broker.url, connectTimeoutMs: 5_000 });
          const lease = await c.acquire('fresh/one', { timeoutMs: 5_000 });
          await lease.release();
          await c.close();
          freshGotIn = true;
        })();
        const tally = await ghostFlood(broker.url, HOSTS.ghost, S.ghostConcurrency, until);
        await fresh;
        return tally;
      });
      expect(freshGotIn).toBe(true);
      const ghosts = windows.at(-1)!.attack as Tally;
      expect(ghosts.welcome).toBeGreaterThan(0);
      expect(ghosts.LIMIT_EXCEEDED).toBeGreaterThan(0);
      // The ghosts go within the detach cap, whatever TTL they asked for.
      const detachMs = FULL ? 30_000 : 3_000;
      const gone = await eventually(
        async () => ((await overview(broker.adminUrl)).sessions <= baseline ? true : undefined),
        detachMs + 10_000,
        'the ghost sessions to end',
      );
      expect(gone).toBe(true);

      let adminDuringFlood = 0;
      let connectionsDuringFlood = 0;
      await window('connection flood', async (until) => {
        const admin = (async () => {
          await sleep(S.floodMs / 2);
          adminDuringFlood = (await fetch(`${broker.adminUrl}/healthz`)).status;
          connectionsDuringFlood = (await overview(broker.adminUrl)).connections;
        })();
        const tally = await connectionFlood(broker.url, HOSTS.sockets, S.sockets, until);
        await admin;
        return { ...tally, brokerConnectionsMidFlood: connectionsDuringFlood };
      });
      // The admin port answers, and the cap held: the default is 256 below the file limit.
      expect(adminDuringFlood).toBe(200);
      expect(connectionsDuringFlood).toBeGreaterThan(100);
      expect(connectionsDuringFlood).toBeLessThanOrEqual(FILE_LIMIT - 256);

      await window('lock flood', async (until) => {
        const flood = await floodLocks(broker.url, { ...LOCK_FLOOD, from: HOSTS.locks });
        // Held for the rest of the window, then abandoned.
        await sleep(until - performance.now());
        flood.abandon();
        return { granted: flood.granted, refused: flood.refused, helloRefused: flood.helloRefused };
      });
      const locks = windows.at(-1)!.attack as { refused: Tally };
      expect(locks.refused.LIMIT_EXCEEDED).toBeGreaterThan(0);

      await window('frame flood', (until) => frameFlood(broker.url, HOSTS.frames, until));
      const frames = windows.at(-1)!.attack as Tally;
      expect(frames.RATE_LIMITED).toBeGreaterThan(0);
      expect(frames['close 4009']).toBeGreaterThan(0);

      // The figures, then the assertions on them.
      const figures: Record<string, Percentiles & { attack?: unknown }> = {};
      for (const w of windows) {
        const inWindow = good.samples.filter(([at]) => at >= w.fromWall && at <= w.toWall);
        figures[w.name] = { ...percentiles(inWindow.map(([, ms]) => ms)), attack: w.attack };
      }
      mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
      const report = {
        full: FULL,
        fileLimit: FILE_LIMIT,
        p99BoundMs: P99_BOUND_MS,
        windows: figures,
      };
      writeFileSync(
        join(ROOT, 'test-artifacts/abuse.json'),
        `${JSON.stringify(report, null, 2)}\n`,
      );
      expect(good.errors).toEqual([]);
      for (const [name, f] of Object.entries(figures)) {
        expect(f.count, `good-client samples during ${name}`).toBeGreaterThan(FULL ? 50 : 10);
        expect(f.p99, `good-client p99 during ${name}`).toBeLessThan(P99_BOUND_MS);
      }
      expect(broker.exited()).toBe(false);
    },
    FULL ? 400_000 : 90_000,
  );
});
