/**
 * The systems `npm run bench:peers` measures side by side: Baton's broker in
 * each of its modes (bench/modes.ts) and the peers. A system hands the
 * scenarios a fresh rig per run: a Target for A–D, an IdleTarget for E.
 */
import { MODE_NAMES, type BrokerMode, type ModeName } from '../modes.js';
import { brokerTarget, type Target } from '../rig.js';
import { brokerIdleTarget, type IdleTarget } from '../scenarios.js';
import { isPeerName, PEER_NAMES, type PeerName } from './peer-config.js';
import { PeerRig } from './peer-rig.js';

export interface System {
  name: string;
  target: Target;
  idle: IdleTarget;
  /** More of why a run failed, read after it did (a peer's driver errors), or null. */
  failureNotes(): string | null;
}

/**
 * Baton in one mode. Every start gets a fresh mode (`newMode`), so a row's
 * second run does not meet the first run's leader lease in Redis.
 */
export function batonSystem(name: ModeName, newMode: () => BrokerMode): System {
  return {
    name,
    target: { name, start: (o) => brokerTarget(newMode()).start(o) },
    idle: { name, start: (o) => brokerIdleTarget(newMode()).start(o) },
    failureNotes: () => null,
  };
}

export function peerSystem(peer: PeerName): System {
  let last: PeerRig | null = null;
  const target = {
    name: peer,
    start: async (o: { drivers: number }): Promise<PeerRig> =>
      (last = await PeerRig.start(peer, o.drivers)),
  };
  return { name: peer, target, idle: target, failureNotes: () => last?.driverErrors ?? null };
}

/** The name in `BATON_PEERS` that stands for all of Baton's modes. */
export const BATON = 'baton';

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
