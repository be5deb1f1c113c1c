import type { Timer } from '../shared/clock.js';

export { delay, systemClock, type Clock, type Timer } from '../shared/clock.js';

/** The server's timers never hold its process open: its listening socket does. */
export const systemTimer: Timer = {
  set: (fn, delayMs) => {
    const t = setTimeout(fn, delayMs);
    t.unref();
    return t;
  },
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
