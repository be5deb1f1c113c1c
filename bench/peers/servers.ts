/**
 * The peers' servers, each on free loopback ports with a temporary data dir
 * of its own, ready once it answers a probe, killed by pid (and its dir
 * removed) when its scenario ends or the run does.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../test/support/free-port.js';
import { trackChild } from '../lib/child.js';
import { readProcessCpuMs, readProcessRssBytes } from '../lib/machine.js';
import type { Server, ServerSample } from '../lib/rig.js';
import {
  INSTALL_LINE,
  REDIS_MAX_CLIENTS,
  SERVER_READY_TIMEOUT_MS,
  type PeerName,
} from './config.js';

/** Lines of a server's output kept, to explain one that died or never answered. */
const KEPT_LINES = 8;
/** How long one readiness probe may take. */
const PROBE_TIMEOUT_MS = 1_000;

/** Sends `text` to 127.0.0.1:`port` and resolves to what comes back before the close or the timeout. */
function askTcp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    const finish = (): void => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, finish);
    socket.on('data', (d) => {
      out += d.toString();
      // Redis keeps the connection open: one reply line is enough.
      if (out.includes('\n')) finish();
    });
    socket.on('end', finish);
    socket.on('error', reject);
  });
}

/**
 * A peer's server in the broker's place: its CPU read from /proc/<pid>/stat,
 * its RSS from /proc/<pid>/status. No heap and no `gc()` to ask for (Go and
 * the JVM collect on their own clock), and no view of a queue: the drivers
 * count their sessions in one.
 */
function peerServer(endpoint: string, pid: number, stop: () => Promise<void>): Server {
  return {
    endpoint,
    stop,
    sample: async (): Promise<ServerSample> => ({
      rssBytes: readProcessRssBytes(pid),
      heapUsedBytes: NaN,
      cpuUs: (readProcessCpuMs(pid) ?? NaN) * 1000,
      mirrorLag: null,
    }),
    redisCpuMs: () => null,
    gc: async () => {},
    queueLength: async () => null,
  };
}

interface Spec {
  command: string;
  args: string[];
  endpoint: string;
  /** Resolves to true once the server answers. */
  probe: () => Promise<boolean>;
}

export const BINARIES = {
  redis: '/usr/bin/redis-server',
  etcd: '/usr/bin/etcd',
  java: '/usr/bin/java',
  zookeeperJar: '/usr/share/java/zookeeper.jar',
} as const;

async function redisSpec(dir: string): Promise<Spec> {
  const port = await freePort();
  return {
    command: BINARIES.redis,
    // No persistence, as for the Redis of Baton's own bench.
    args: [
      ...['--port', `${port}`, '--bind', '127.0.0.1', '--dir', dir],
      ...['--save', '', '--appendonly', 'no', '--maxclients', `${REDIS_MAX_CLIENTS}`],
    ],
    endpoint: `redis://127.0.0.1:${port}`,
    probe: async () => (await askTcp(port, 'PING\r\n')).startsWith('+PONG'),
  };
}

async function etcdSpec(dir: string): Promise<Spec> {
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  return {
    command: BINARIES.etcd,
    // One member, defaults otherwise (its WAL is fsynced, as deployed).
    args: [
      ...['--name', 'bench', '--data-dir', join(dir, 'data'), '--log-level', 'warn'],
      ...['--listen-client-urls', client, '--advertise-client-urls', client],
      ...['--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer],
      ...['--initial-cluster', `bench=${peer}`, '--initial-cluster-state', 'new'],
    ],
    endpoint: client,
    probe: async () => {
      const res = await fetch(`${client}/health`, {
        signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
      });
      return (await res.text()).includes('"health":"true"');
    },
  };
}

async function zookeeperSpec(dir: string): Promise<Spec> {
  const port = await freePort();
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      // 0: no limit on connections from one address (every session is loopback).
      'maxClientCnxns=0',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr',
      '',
    ].join('\n'),
  );
  return {
    command: BINARIES.java,
    args: [
      ...['-cp', `/etc/zookeeper/conf:${BINARIES.zookeeperJar}`],
      `-Dzookeeper.log.dir=${dir}`,
      '-Dzookeeper.root.logger=WARN,CONSOLE',
      'org.apache.zookeeper.server.quorum.QuorumPeerMain',
      cfg,
    ],
    endpoint: `127.0.0.1:${port}`,
    probe: async () => (await askTcp(port, 'ruok')).startsWith('imok'),
  };
}

const SPECS: Record<PeerName, (dir: string) => Promise<Spec>> = {
  redlock: redisSpec,
  'redis-setnx': redisSpec,
  etcd: etcdSpec,
  zookeeper: zookeeperSpec,
};

/** The files a peer's server needs, for a clear "missing" rather than a spawn error. */
export function missingBinary(peer: PeerName): string | null {
  const needed =
    peer === 'etcd'
      ? [BINARIES.etcd]
      : peer === 'zookeeper'
        ? [BINARIES.java, BINARIES.zookeeperJar]
        : [BINARIES.redis];
  const missing = needed.filter((f) => !existsSync(f));
  return missing.length ? `${missing.join(', ')} not found (install: ${INSTALL_LINE})` : null;
}

/** Starts the server of `peer` and waits until it answers; throws with why it did not. */
export async function startPeerServer(peer: PeerName): Promise<Server> {
  const missing = missingBinary(peer);
  if (missing) throw new Error(missing);
  const dir = mkdtempSync(join(tmpdir(), `baton-peer-${peer}-`));
  const spec = await SPECS[peer](dir);
  const child = spawn(spec.command, spec.args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString().trim().split('\n'));
    lines.splice(0, Math.max(0, lines.length - KEPT_LINES));
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited: string | null = null;
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited (${signal ?? code})`;
      resolve();
    }),
  );
  child.once('error', (err) => (exited = err.message));
  const kill = (): boolean => child.kill('SIGKILL');
  const untrack = trackChild({ kill });
  const stop = async (): Promise<void> => {
    kill();
    await Promise.race([gone, sleep(5_000)]);
    untrack();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = performance.now() + SERVER_READY_TIMEOUT_MS;
  for (;;) {
    if (exited !== null || performance.now() > deadline) {
      await stop();
      const why = exited ?? `no answer within ${SERVER_READY_TIMEOUT_MS} ms`;
      throw new Error(`${peer} server ${why}: ${lines.join(' / ').slice(-400)}`);
    }
    if (await spec.probe().catch(() => false)) break;
    await sleep(100);
  }
  return peerServer(spec.endpoint, child.pid as number, stop);
}
