// What the hand-run cost scripts (history-cost.mjs, table-cost.mjs) share:
// scenario A's shape (100 sessions cycling over 10,000 paths) and the timing
// loop, warmed up, its median of five taken.

export const SESSIONS = 100;
const PATHS = 10_000;
const WARMUP_CYCLES = 200_000;
const paths = Array.from({ length: PATHS }, (_, i) => `bench/a/${i}`);

/** The session name of cycle `i`'s session. */
export const sessionName = (i) => `session-${i % SESSIONS}-xxxxxxxxxxxx`;

/** Cycle `i`'s path, as a new string: each decoded frame brings one, equal to the last. */
export const freshPath = (i) => `${paths[(i * 7919) % PATHS]} `.slice(0, -1);

/**
 * µs per call of `cycle(i)` over `cycles` calls, the median of five after a
 * warm-up; with `loopOnly`, its own cost per call is taken off each run.
 */
export function medianUsPerCycle(cycle, cycles, loopOnly = null) {
  const perCycleUs = (fn) => {
    const start = performance.now();
    for (let i = 0; i < cycles; i++) fn(i);
    return ((performance.now() - start) * 1000) / cycles;
  };
  for (let i = 0; i < WARMUP_CYCLES; i++) cycle(i);
  const runs = [];
  for (let r = 0; r < 5; r++) runs.push(perCycleUs(cycle) - (loopOnly ? perCycleUs(loopOnly) : 0));
  return runs.sort((a, b) => a - b)[2];
}
