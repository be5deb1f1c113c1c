/**
 * Scenarios L and SF (issue 13): leader failover handoff with an observer,
 * and single-flight. L runs on any system whose client has an election
 * (Baton's, etcd's in bench:peers); SF on Baton alone, as no peer has the
 * primitive.
 */
import { MODE_NAMES } from '../lib/broker.js';
import { ELECTION_TERM_MS, HOT_PATH, KIND_SESSIONS, SINGLE_FLIGHT_RUN_MS } from '../lib/config.js';
import type { DriverReport } from '../lib/recorder.js';
import { fmt, latencyCell, meanWindowSec, windowResult, type Result } from '../lib/report.js';
import type { Window } from '../lib/rig.js';
import { jainIndex, round, summarize } from '../lib/stats.js';
import type { Scenario } from './catalog.js';
import { measureLoops, measureQueued, type Queued } from './contention.js';

/** L's observer: one session beside the candidates, never in the line. */
const OBSERVERS = 1;

/** L, per size: `sessions` candidates and one observer. */
export const ELECTIONS: readonly (Scenario & { sessions: number })[] = KIND_SESSIONS.map(
  (sessions) => ({
    id: 'L',
    sessions,
    title: `L: ${fmt(sessions)} candidates for leader of one path, ${ELECTION_TERM_MS} ms terms, 1 observer`,
    rowTitle: 'L leader election',
    modes: MODE_NAMES,
    run: (target) => {
      const workload = { kind: 'elect', path: HOT_PATH, termMs: ELECTION_TERM_MS } as const;
      const toResult = (q: Queued, w: Window) => electionResult(target.name, q, w);
      return measureQueued(target, sessions + OBSERVERS, workload, toResult, OBSERVERS);
    },
  }),
);

/** SF, per size: every session calls singleFlight in a loop. */
export const SINGLE_FLIGHTS: readonly (Scenario & { sessions: number })[] = KIND_SESSIONS.map(
  (sessions) => ({
    id: 'SF',
    sessions,
    title: `SF: ${fmt(sessions)} callers of singleFlight on one path, fn takes ${SINGLE_FLIGHT_RUN_MS} ms`,
    rowTitle: 'SF single-flight',
    modes: MODE_NAMES,
    run: (target) => {
      const workload = {
        kind: 'single-flight',
        path: HOT_PATH,
        runMs: SINGLE_FLIGHT_RUN_MS,
      } as const;
      return measureLoops(target, sessions, workload, (conn, w) =>
        singleFlightResult(target.name, conn.ok, w),
      );
    },
  }),
);

/**
 * Resign → the observer told of the next leader, one sample per change it
 * was told of. Terms, ordered by their grant on the shared clock (leaders
 * exclude each other), give each told leader its predecessor's resign time;
 * the first term of the window and the leader at its end have none.
 */
export function observerLag(reports: readonly DriverReport[]) {
  const terms: { id: number; grantedAt: number; resignAt: number }[] = [];
  for (const r of reports) {
    for (let i = 0; i + 2 < r.termsMs.length; i += 3) {
      const [id, grantedAt, resignAt] = [r.termsMs[i], r.termsMs[i + 1], r.termsMs[i + 2]];
      terms.push({
        id: id as number,
        grantedAt: grantedAt as number,
        resignAt: resignAt as number,
      });
    }
  }
  terms.sort((a, b) => a.grantedAt - b.grantedAt);
  const index = new Map(terms.map((t, i) => [t.id, i]));
  const lags: number[] = [];
  let told = 0;
  for (const r of reports) {
    told += r.toldMs.length / 2;
    for (let i = 0; i + 1 < r.toldMs.length; i += 2) {
      const at = index.get(r.toldMs[i] as number);
      const before = at === undefined ? undefined : terms[at - 1];
      if (before) lags.push((r.toldMs[i + 1] as number) - before.resignAt);
    }
  }
  return { terms: terms.length, told, lag: summarize([Float64Array.from(lags)]) };
}

function electionResult(mode: string, { conn, queueFormMs }: Queued, w: Window): Result {
  const sec = meanWindowSec(w);
  const { terms, told, lag } = observerLag(w.reports);
  const termsPerSec = round(terms / sec);
  const candidates = conn.ok - OBSERVERS;
  // The observer's slot (global 0) counts no terms: left out of the shares.
  const counts = w.reports.flatMap((r) => Array.from(r.grantsPerSession)).slice(OBSERVERS);
  const minTerms = counts.reduce((m, c) => Math.min(m, c), Infinity);
  const maxTerms = counts.reduce((m, c) => Math.max(m, c), 0);
  const toldPct = terms === 0 ? NaN : round((told / terms) * 100, 1);
  return windowResult(
    w,
    { scenario: 'L', mode, sessions: conn.ok },
    {
      candidates,
      termsPerSec,
      termMs: ELECTION_TERM_MS,
      observerLagP50Ms: lag.p50Ms,
      observerLagP99Ms: lag.p99Ms,
      observerLagMaxMs: lag.maxMs,
      observerTold: told,
      observerToldPct: toldPct,
      observerLagSamples: lag.count,
      minTerms,
      maxTerms,
      jainIndex: round(jainIndex(counts), 4),
      connectFailed: conn.failed,
      connectFirstError: conn.firstError,
      queueFormMs: round(queueFormMs),
    },
    {
      scenario: 'L leader election',
      throughput: `${fmt(termsPerSec)} terms/s`,
      latency: latencyCell('resign→observer told', lag.p50Ms, lag.p99Ms, lag.maxMs),
      other: [
        `${fmt(candidates)} candidates + ${OBSERVERS} observer, term ${ELECTION_TERM_MS} ms`,
        `observer told of ${fmt(toldPct, 1)}% of changes`,
        `terms/candidate ${minTerms}–${maxTerms}`,
        `line formed in ${fmt(queueFormMs / 1000, 1)} s`,
      ],
      join: ', ',
    },
  );
}

function singleFlightResult(mode: string, sessions: number, w: Window): Result {
  const sec = meanWindowSec(w);
  const calls = w.reports.reduce((n, r) => n + r.cycles, 0);
  const runs = w.reports.reduce((n, r) => n + r.runs, 0);
  const callsPerSec = round(calls / sec);
  const runsPerSec = round(runs / sec);
  const callsPerRun = runs === 0 ? NaN : round(calls / runs, 1);
  const lat = summarize(w.reports.map((r) => r.latenciesMs));
  return windowResult(
    w,
    { scenario: 'SF', mode, sessions },
    {
      callsPerSec,
      runsPerSec,
      callsPerRun,
      runMs: SINGLE_FLIGHT_RUN_MS,
      callP50Ms: lat.p50Ms,
      callP99Ms: lat.p99Ms,
      callMaxMs: lat.maxMs,
    },
    {
      scenario: 'SF single-flight',
      throughput: `${fmt(callsPerSec)} calls/s`,
      latency: latencyCell('call→answer', lat.p50Ms, lat.p99Ms, lat.maxMs),
      other: [
        `${fmt(runsPerSec)} runs/s, ${fmt(callsPerRun, 1)} calls per run`,
        `fn takes ${SINGLE_FLIGHT_RUN_MS} ms`,
      ],
    },
  );
}
