/**
 * A load driver: a process of its own, so that client-side work shows in its
 * CPU and event-loop lag, not in the broker's. Its sessions are Baton
 * clients, the floor's (`BATON_BENCH_PEER=floor`), or the lock clients of
 * the peer `BATON_BENCH_PEER` names.
 */
import { connect } from '../../client/node.js';
import { connectFloor } from '../floor/client.js';
import { GrantLog } from './grant-log.js';
import { openPool, type LockClient, type Pool, type PoolOptions } from './pool.js';
import { Recorder, type DriverReport } from './recorder.js';
import { runElection, runSingleFlight } from './leader-workloads.js';
import { runContention, runCycles, runHandoffs, runReadWrite, type Workload } from './workloads.js';

export type DriverCommand =
  /** `first`: global index of this driver's first session, unique across drivers. */
  | ({ t: 'connect'; first: number } & PoolOptions)
  | { t: 'start'; workload: Workload }
  | { t: 'go' }
  | { t: 'measure' }
  | { t: 'report' }
  /** AP, BP, CP: the loops wait at their next acquire, then go on. */
  | { t: 'pause' }
  | { t: 'resume' }
  /** F: grants seen since `sinceMs` (shared clock), and the first with a token ≥ `minToken`. */
  | { t: 'grants'; sinceMs: number; minToken: number }
  /** Peers (B, C): this driver's sessions that wait in or hold a queue. */
  | { t: 'queued' }
  | { t: 'exit' };

export type DriverReply =
  | { t: 'ready' }
  | { t: 'connected'; ok: number; failed: number; firstError: string | null }
  | { t: 'started' }
  | { t: 'measuring' }
  | { t: 'paused' }
  | { t: 'resumed' }
  | DriverReport
  | { t: 'grants'; count: number; firstAtMs: number | null }
  | { t: 'queued'; count: number }
  | { t: 'error'; message: string };

/** A peer's sessions also count those in a queue, where no broker can be asked. */
type Opened = Pool<LockClient> & { queued?: () => number };

async function open(o: PoolOptions): Promise<Opened> {
  const peer = process.env['BATON_BENCH_PEER'];
  if (!peer) {
    const options = {
      url: o.url,
      sessionTtlMs: o.ttlMs,
      connectTimeoutMs: o.timeoutMs,
      ...o.client,
    };
    return openPool(o.count, o.concurrency, () => connect(options));
  }
  if (peer === 'floor') {
    const url = typeof o.url === 'string' ? o.url : (o.url[0] as string);
    return openPool(o.count, o.concurrency, () => connectFloor(url));
  }
  // Loaded by URL only in peer drivers: Baton's drivers never load a peer's
  // library, and Baton's build neither compiles nor type-checks them.
  const url = new URL('../peers/clients/sessions.js', import.meta.url).href;
  const sessions = (await import(url)) as {
    openPeerSessions(peer: string, o: PoolOptions): Promise<Opened>;
  };
  return sessions.openPeerSessions(peer, o);
}

let clients: LockClient[] = [];
let queued: () => number = () => 0;
let first = 0;
let rec = new Recorder(0);
const grantLog = new GrantLog();
let releaseGo: () => void = () => {};
const go = new Promise<void>((resolve) => (releaseGo = resolve));

function reply(message: DriverReply): void {
  process.send?.(message);
}

function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

async function start(w: Workload): Promise<void> {
  switch (w.kind) {
    case 'cycles':
      runCycles(clients, w.paths, rec);
      break;
    case 'contend': {
      const kind = w.limit === undefined ? {} : { kind: { limit: w.limit } };
      runContention(clients, first, { path: w.path, holdMs: w.holdMs ?? 0, ...kind }, rec, go);
      break;
    }
    case 'read-write':
      runReadWrite(clients, first, w, rec, go);
      break;
    case 'elect':
      runElection(clients, first, w, rec, go);
      break;
    case 'single-flight':
      runSingleFlight(clients, w, rec);
      break;
    case 'failover': {
      const onGrant = (token: number): void => grantLog.add(token);
      runContention(clients, first, { path: w.path, onGrant }, rec, go);
      break;
    }
    case 'handoff': {
      const [a, b] = clients;
      if (!a || !b) throw new Error('the handoff workload needs two sessions');
      rec.start();
      await runHandoffs(a, b, w, rec);
      return reply(rec.finish());
    }
  }
  reply({ t: 'started' });
}

async function handle(m: DriverCommand): Promise<void> {
  switch (m.t) {
    case 'connect': {
      first = m.first;
      const pool = await open(m);
      clients = pool.clients;
      queued = pool.queued ?? queued;
      rec = new Recorder(clients.length);
      const { failed, firstError } = pool;
      return reply({ t: 'connected', ok: clients.length, failed, firstError });
    }
    case 'start':
      return start(m.workload);
    case 'go':
      return releaseGo();
    case 'measure':
      rec.start();
      return reply({ t: 'measuring' });
    case 'report':
      return reply(rec.finish());
    case 'pause':
      rec.pause();
      return reply({ t: 'paused' });
    case 'resume':
      rec.resume();
      return reply({ t: 'resumed' });
    case 'queued':
      return reply({ t: 'queued', count: queued() });
    case 'grants':
      return reply({ t: 'grants', ...grantLog.since(m.sinceMs, m.minToken) });
    case 'exit':
      // Sessions are not closed one by one: the broker is discarded after
      // each scenario, and 10,000 goodbyes would only stretch the run.
      process.exit(0);
  }
}

process.on('message', (raw) => {
  handle(raw as DriverCommand).catch((err: unknown) =>
    reply({ t: 'error', message: describe(err) }),
  );
});
// An orphaned driver must not go on loading a broker nobody measures.
process.on('disconnect', () => process.exit(0));
process.on('unhandledRejection', (err) => reply({ t: 'error', message: describe(err) }));
reply({ t: 'ready' });
