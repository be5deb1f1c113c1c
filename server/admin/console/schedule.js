// @ts-check
// Rendering is batched: events only mark what is stale, and each stale
// view is drawn once in the next animation frame, however many events came.

/** @type {Set<() => void>} */
const pending = new Set();
let frame = 0;

/**
 * Runs `render` in the next animation frame; asking twice before it runs draws once.
 * @param {() => void} render
 */
export function renderSoon(render) {
  pending.add(render);
  if (frame === 0) frame = requestAnimationFrame(flush);
}

function flush() {
  frame = 0;
  const renders = [...pending];
  pending.clear();
  for (const render of renders) {
    try {
      render();
    } catch (err) {
      console.error('render failed', err);
    }
  }
}

/**
 * Wraps `fn` so it runs at most once per `intervalMs`: the first call runs
 * now, calls during the interval fold into one trailing run.
 * @param {() => void} fn
 * @param {number} intervalMs
 * @returns {() => void}
 */
export function throttle(fn, intervalMs) {
  let last = -Infinity;
  let timer = 0;
  const run = () => {
    timer = 0;
    last = performance.now();
    fn();
  };
  return () => {
    if (timer !== 0) return;
    const wait = last + intervalMs - performance.now();
    if (wait <= 0) run();
    else timer = setTimeout(run, wait);
  };
}

/**
 * Wraps async `fn` so one call runs at a time; calls made meanwhile fold
 * into one more run once it ends. A slow server then sees one request per
 * view at a time, and the last answer is always from after the last call.
 * @param {() => Promise<void>} fn
 * @returns {() => Promise<void>}
 */
export function singleFlight(fn) {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await fn();
      } while (again);
    } finally {
      running = false;
    }
  };
  return run;
}
