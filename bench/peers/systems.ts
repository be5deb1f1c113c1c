/**
 * The systems `npm run bench:peers` measures side by side: Baton's broker in
 * each of its modes (bench/lib/modes.ts) and the peers, each a Target that
 * hands the scenarios a fresh rig per run.
 */
import { brokerTarget } from '../lib/broker.js';
import { MODE_NAMES, type BrokerMode, type ModeName } from '../lib/modes.js';
import { Rig, type Target } from '../lib/rig.js';
import { isPeerName, PEER_NAMES, type PeerName } from './config.js';
import { startPeerServer } from './servers.js';

export interface System {
  name: string;
  target: Target;
  /** More of why a run failed, read after it did (its drivers' errors), or null. */
  failureNotes(): string | null;
}

/** `target`, keeping its last rig for `failureNotes`. */
function system(name: string, target: Target): System {
  let last: Rig | null = null;
  return {
    name,
    target: { name, start: async (o) => (last = await target.start(o)) },
    failureNotes: () => last?.driverErrors ?? null,
  };
}

/** Baton in one mode; every run gets a fresh mode from `newMode`. */
export function batonSystem(name: ModeName, newMode: () => BrokerMode): System {
  return system(name, brokerTarget(name, newMode));
}

/** A peer: a fresh server per run, and Baton's drivers told to open the peer's sessions. */
export function peerSystem(peer: PeerName): System {
  const env = { BATON_BENCH_PEER: peer };
  return system(peer, {
    name: peer,
    start: (o) => Rig.start(() => startPeerServer(peer), o.drivers, env),
  });
}

/** The name in `BATON_PEERS` that stands for all of Baton's modes. */
const BATON = 'baton';

function isModeName(name: string): name is ModeName {
  return (MODE_NAMES as readonly string[]).includes(name);
}

/**
 * `BATON_PEERS` as the Baton modes and peers to run: peers by name, Baton's
 * modes by name or all of them as `baton`. Unset, everything; set, only what
 * it lists, so `BATON_PEERS=etcd` runs etcd alone.
 */
export function selectSystems(names: readonly string[] | undefined): {
  modes: ModeName[];
  peers: PeerName[];
} {
  if (!names) return { modes: [...MODE_NAMES], peers: [...PEER_NAMES] };
  const unknown = names.filter((n) => n !== BATON && !isModeName(n) && !isPeerName(n));
  if (unknown.length) {
    const known = [BATON, ...MODE_NAMES, ...PEER_NAMES].join(', ');
    throw new Error(`unknown systems ${unknown.join(', ')}: ${known}`);
  }
  return {
    modes: MODE_NAMES.filter((m) => names.includes(m) || names.includes(BATON)),
    peers: PEER_NAMES.filter((p) => names.includes(p)),
  };
}
