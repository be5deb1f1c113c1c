import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** What one driver saw in its measured window. */
export interface DriverReport {
  t: 'report';
  windowMs: number;
  /** Completed acquire → release cycles (A). */
  cycles: number;
  /** A: acquire latency; B/C: acquire call → grant; D: release → grant. ms. */
  latenciesMs: Float64Array;
  /** D: round trips of a tryAcquire that finds the lock busy, ms. */
  probeRttMs: Float64Array;
  /** R: the writer's acquire call → write grant, ms. */
  writeWaitsMs: Float64Array;
  /** SF: how many times `fn` started running in the window (in this driver). */
  runs: number;
  /** L: per term, in triples, its id, granted at and resign called at (shared clock, ms). */
  termsMs: Float64Array;
  /** L: per change the observer was told of, in pairs, the leader's term id and when (shared clock). */
  toldMs: Float64Array;
  /** B/C: token and global session index of each grant, in grant order. */
  grantTokens: Float64Array;
  grantSessions: Uint32Array;
  /** B/C: grants per session, indexed from this driver's first session. */
  grantsPerSession: Uint32Array;
  errors: number;
  firstError: string | null;
  lag: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Driver CPU (user + system) in the window, ms. */
  cpuMs: number;
}

/** A coarse resolution, so the lag histogram's own timer adds next to no load. */
const LAG_RESOLUTION_MS = 10;

/**
 * Workloads record only while `measuring` is set, so warm-up and queue
 * forming stay out of the figures.
 */
export class Recorder {
  measuring = false;
  /**
   * While set, the loops wait on it before their next acquire, so
   * this driver's server idles while another's is measured (AP, BP, CP).
   */
  gate: Promise<void> | null = null;
  private openGate: () => void = () => {};
  cycles = 0;
  readonly latencies: number[] = [];
  readonly probes: number[] = [];
  readonly writeWaits: number[] = [];
  runs = 0;
  readonly terms: number[] = [];
  readonly told: number[] = [];
  private tokens: number[] = [];
  private sessions: number[] = [];
  private readonly perSession: Uint32Array;
  private errors = 0;
  private firstError: string | null = null;
  private startedAt = 0;
  private cpuAt: NodeJS.CpuUsage = process.cpuUsage();
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({
    resolution: LAG_RESOLUTION_MS,
  });

  constructor(sessionCount: number) {
    this.perSession = new Uint32Array(sessionCount);
  }

  start(): void {
    this.latencies.length = 0;
    this.probes.length = 0;
    this.writeWaits.length = 0;
    this.terms.length = 0;
    this.told.length = 0;
    this.runs = 0;
    this.tokens = [];
    this.sessions = [];
    this.perSession.fill(0);
    this.cycles = 0;
    this.lag.reset();
    this.lag.enable();
    this.cpuAt = process.cpuUsage();
    this.startedAt = performance.now();
    this.measuring = true;
  }

  /** Holds the loops at their next acquire until `resume`. */
  pause(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  resume(): void {
    this.gate = null;
    this.openGate();
  }

  /** A grant of the contended path to session `local` (index within this driver). */
  grant(local: number, global: number, token: number): void {
    this.tokens.push(token);
    this.sessions.push(global);
    this.perSession[local] = (this.perSession[local] ?? 0) + 1;
  }

  error(err: unknown): void {
    this.errors++;
    this.firstError ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }

  finish(): DriverReport {
    const windowMs = performance.now() - this.startedAt;
    this.measuring = false;
    this.lag.disable();
    const cpu = process.cpuUsage(this.cpuAt);
    return {
      t: 'report',
      windowMs,
      cycles: this.cycles,
      latenciesMs: Float64Array.from(this.latencies),
      probeRttMs: Float64Array.from(this.probes),
      writeWaitsMs: Float64Array.from(this.writeWaits),
      runs: this.runs,
      termsMs: Float64Array.from(this.terms),
      toldMs: Float64Array.from(this.told),
      grantTokens: Float64Array.from(this.tokens),
      grantSessions: Uint32Array.from(this.sessions),
      grantsPerSession: this.perSession.slice(),
      errors: this.errors,
      firstError: this.firstError,
      lag: lagSummary(this.lag),
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  }
}

function lagSummary(h: IntervalHistogram): DriverReport['lag'] {
  // Nanoseconds, and each sample is the whole timer interval: an idle loop
  // reads about the resolution, so that is taken off to leave the lag alone.
  const ms = (ns: number): number =>
    Number.isFinite(ns) ? Math.max(0, Math.round(ns / 1e4 - LAG_RESOLUTION_MS * 100) / 100) : NaN;
  return { p50Ms: ms(h.percentile(50)), p99Ms: ms(h.percentile(99)), maxMs: ms(h.max) };
}
