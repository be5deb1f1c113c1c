import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { repoPath } from '../lib/paths.js';
import type { PeerName } from './config.js';
import { BINARIES } from './servers.js';

/** First line of a command's output (stdout, else stderr: `java -version` prints there), or why not. */
function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.error) return 'not installed';
  if (r.status !== 0) return 'unknown';
  const out = r.stdout.trim() || r.stderr.trim();
  return out.split('\n')[0]?.trim() || 'unknown';
}

/** The `version` of a package.json below the repo root. */
function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(repoPath(path), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The installed version of an npm package: Baton's own, or (`peers`) of the peers' package. */
function npmVersion(name: string, peers = false): string {
  return packageVersion(`${peers ? 'bench/peers/' : ''}node_modules/${name}/package.json`);
}

function debVersion(pkg: string): string {
  return firstLine('dpkg-query', ['-W', '-f', '${Version}', pkg]);
}

export interface PeerVersions {
  server: string;
  client: string;
}

function redisVersion(): string {
  return firstLine(BINARIES.redis, ['--version']).replace(/ sha=.*$/, '');
}

/**
 * Baton as measured: its version and the commit the build came from
 * ("-dirty" when the tree had changes), and the Redis of its Redis modes.
 */
export function batonVersions(): PeerVersions {
  const commit = firstLine('git', ['-C', repoPath(''), 'describe', '--always', '--dirty']);
  return {
    server: `Baton ${packageVersion('package.json')} (${commit}); Redis modes on ${redisVersion()}`,
    client: `Baton's Node client, ws ${npmVersion('ws')}`,
  };
}

/** Server and client library versions of each peer, as installed on this machine. */
export function peerVersions(): Record<PeerName, PeerVersions> {
  const redisServer = redisVersion();
  const ioredis = `ioredis ${npmVersion('ioredis')}`;
  const etcd = firstLine(BINARIES.etcd, ['--version']);
  const java = firstLine(BINARIES.java, ['-version']);
  return {
    redlock: { server: redisServer, client: `redlock ${npmVersion('redlock', true)}, ${ioredis}` },
    'redis-setnx': { server: redisServer, client: ioredis },
    etcd: {
      server: `${etcd} (Debian etcd-server ${debVersion('etcd-server')})`,
      client: `etcd3 ${npmVersion('etcd3', true)}, @grpc/grpc-js ${npmVersion('@grpc/grpc-js', true)}`,
    },
    zookeeper: {
      server: `ZooKeeper (Debian zookeeper ${debVersion('zookeeper')}) on ${java}`,
      client: `node-zookeeper-client ${npmVersion('node-zookeeper-client', true)}`,
    },
  };
}
