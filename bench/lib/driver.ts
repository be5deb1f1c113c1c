/**
 * A load driver: a process of its own, so that client-side work shows up in
 * its CPU and event-loop lag rather than in the broker's figures. The runner
 * tells it over IPC how many sessions to open and what they should do.
 *
 * Sessions are Baton clients, or, when `BATON_BENCH_PEER` names a peer
 * (`npm run bench:peers`), that peer's lock clients (bench/peers/clients/sessions.ts):
 * the workloads and the recorder are the same either way.
 */
import { GrantLog } from './grant-log.js';
import type { LockClient } from './lock-client.js';
import type { DriverCommand, DriverReply, Workload } from './messages.js';
import { Recorder } from './recorder.js';
import { openSessions, type PoolOptions } from './pool.js';
import { runContention, runCycles, runHandoffs, type Running } from './workloads.js';

interface Opened {
  clients: LockClient[];
  failed: number;
  firstError: string | null;
  /** Sessions waiting in (or holding) a lock's queue; peers only, where no broker can be asked. */
  queued?: () => number;
}

/** What bench/peers/clients/sessions.ts exports. */
interface PeerSessions {
  openPeerSessions(peer: string, o: PoolOptions): Promise<Opened>;
}

async function open(o: PoolOptions): Promise<Opened> {
  const peer = process.env['BATON_BENCH_PEER'];
  if (!peer) return openSessions(o);
  // Loaded by URL only in peer drivers: Baton's drivers never load a peer's
  // library, and Baton's build neither compiles nor type-checks them.
  const sessions = new URL('../peers/clients/sessions.js', import.meta.url).href;
  return ((await import(sessions)) as PeerSessions).openPeerSessions(peer, o);
}

let clients: LockClient[] = [];
let queued: () => number = () => 0;
let first = 0;
let rec = new Recorder(0);
const grantLog = new GrantLog();
const running: Running = { value: true };
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
      runCycles(clients, w.paths, rec, running);
      return reply({ t: 'started' });
    case 'contend':
      runContention(clients, first, w.path, rec, go, running);
      return reply({ t: 'started' });
    case 'failover':
      runContention(clients, first, w.path, rec, go, running, (token) => grantLog.add(token));
      return reply({ t: 'started' });
    case 'handoff': {
      const [a, b] = clients;
      if (!a || !b) throw new Error('the handoff workload needs two sessions');
      rec.start();
      await runHandoffs(a, b, w.path, w.reps, w.pauseMinMs, w.pauseMaxMs, rec);
      return reply(rec.finish());
    }
    case 'idle':
      return reply({ t: 'started' });
  }
}

async function handle(m: DriverCommand): Promise<void> {
  switch (m.t) {
    case 'connect': {
      first = m.first;
      const pool = await open(m);
      clients = pool.clients;
      queued = pool.queued ?? queued;
      rec = new Recorder(clients.length);
      return reply({
        t: 'connected',
        ok: clients.length,
        failed: pool.failed,
        firstError: pool.firstError,
      });
    }
    case 'start':
      return start(m.workload);
    case 'go':
      releaseGo();
      return;
    case 'measure':
      rec.start();
      return reply({ t: 'measuring' });
    case 'report':
      return reply(rec.finish());
    case 'queued':
      return reply({ t: 'queued', count: queued() });
    case 'first-grant': {
      const hit = await grantLog.firstAfter(m.afterMs, m.minToken, m.timeoutMs);
      return reply({ t: 'first-grant', atMs: hit?.atMs ?? null, token: hit?.token ?? null });
    }
    case 'grants-since':
      return reply({ t: 'grants-since', count: grantLog.countSince(m.sinceMs) });
    case 'exit':
      // Sessions are not closed one by one: the broker is discarded after
      // each scenario, and 10,000 goodbyes would only stretch the run.
      running.value = false;
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
