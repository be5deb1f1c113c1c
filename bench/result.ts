import type { Window } from './rig.js';
import { round } from './stats.js';

/** One line of the results table; every cell already formatted. */
export interface Row {
  scenario: string;
  /** embedded, redis-efficient or redis-strict. */
  mode: string;
  sessions: string;
  throughput: string;
  latency: string;
  other: string;
  brokerCpu: string;
  driver: string;
}

/** What a scenario hands back: one JSON object for stdout and one table row. */
export interface Result {
  json: { scenario: string } & Record<string, unknown>;
  row: Row;
}

/** Driver-side health in a window: if these are bad, the figures measure the driver. */
export interface DriverFigures {
  drivers: number;
  /** The busiest driver's CPU over the window; 100 = one core. */
  driverCpuPct: number;
  driverLagP99Ms: number;
  driverLagMaxMs: number;
  errors: number;
  firstError: string | null;
}

export function driverFigures(w: Pick<Window, 'reports'>): DriverFigures {
  const rs = w.reports;
  return {
    drivers: rs.length,
    driverCpuPct: round(Math.max(...rs.map((r) => (r.cpuMs / r.windowMs) * 100)), 0),
    driverLagP99Ms: Math.max(...rs.map((r) => r.lag.p99Ms)),
    driverLagMaxMs: Math.max(...rs.map((r) => r.lag.maxMs)),
    errors: rs.reduce((s, r) => s + r.errors, 0),
    firstError: rs.find((r) => r.firstError !== null)?.firstError ?? null,
  };
}

/** Mean of the drivers' own windows: rates are counted against the time they counted in. */
export function meanWindowSec(w: Pick<Window, 'reports'>): number {
  const total = w.reports.reduce((s, r) => s + r.windowMs, 0);
  return total / w.reports.length / 1000;
}

export function driverCell(d: DriverFigures): string {
  const errors = d.errors > 0 ? `, ${d.errors} errors` : '';
  return `${d.drivers}× ${d.driverCpuPct}% CPU, lag p99 ${fmt(d.driverLagP99Ms, 1)} ms${errors}`;
}

/** A number with thousands separators and `digits` decimals; `n/a` for NaN. */
export function fmt(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * Broker CPU, then its Redis's (Redis modes: the mirror's cost is the broker's
 * too), with what the rest of the machine used beside them in brackets.
 */
export function cpuCell(w: Pick<Window, 'brokerCpuPct' | 'redisCpuPct' | 'otherCpuPct'>): string {
  const redis = Number.isNaN(w.redisCpuPct) ? '' : ` + Redis ${fmt(w.redisCpuPct)}%`;
  return `${fmt(w.brokerCpuPct)}%${redis} (others ${fmt(w.otherCpuPct)}%)`;
}

/** The CPU figures of a window for a scenario's JSON line. */
export function cpuFigures(w: Window): Record<string, number> {
  return {
    brokerCpuPct: round(w.brokerCpuPct),
    brokerCpuMs: round(w.brokerCpuMs),
    ...(!Number.isNaN(w.redisCpuPct) && { redisCpuPct: round(w.redisCpuPct) }),
    otherCpuPct: round(w.otherCpuPct),
  };
}

/** p50 / p99 / max, in ms. */
export function latencyCell(label: string, p50: number, p99: number, max?: number): string {
  const tail = max === undefined ? '' : ` / ${fmt(max, 1)}`;
  const d = p99 >= 100 ? 0 : 2;
  return `${label} ${fmt(p50, d)} / ${fmt(p99, d)}${tail} ms`;
}
