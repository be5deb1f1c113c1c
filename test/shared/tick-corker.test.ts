import { describe, expect, it } from 'vitest';
import { corkForTick, flushCork, type CorkState } from '../../shared/tick-corker.js';

/** A corker over a socket that logs its corks (none without `tcp`), and its end-of-tick calls, run by hand. */
function corked(tcp = true) {
  const calls: string[] = [];
  const socket = tcp
    ? { _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') } }
    : {};
  const ticks: (() => void)[] = [];
  const state: CorkState = { socket, corked: null };
  const corker = {
    cork: () => corkForTick(state, (fn, s) => ticks.push(() => fn(s))),
    flush: () => flushCork(state),
  };
  return { corker, calls, ticks };
}

describe('corkForTick and flushCork', () => {
  it('corks the socket under a ws WebSocket once per tick and uncorks it after', () => {
    const { corker, calls, ticks } = corked();
    corker.cork();
    corker.cork();
    corker.cork();
    expect(calls).toEqual(['cork']);
    ticks.shift()!();
    expect(calls).toEqual(['cork', 'uncork']);
    corker.cork();
    expect(calls).toEqual(['cork', 'uncork', 'cork']);
    expect(ticks).toHaveLength(1);
  });

  it('does nothing where there is no TCP socket, as in a browser', () => {
    const { corker, ticks } = corked(false);
    expect(() => corker.cork()).not.toThrow();
    expect(() => corker.flush()).not.toThrow();
    expect(ticks).toEqual([]);
  });

  it('flushes at once on request, and corks again for the rest of the tick', () => {
    const { corker, calls, ticks } = corked();
    corker.flush();
    expect(calls).toEqual([]);
    corker.cork();
    corker.flush();
    expect(calls).toEqual(['cork', 'uncork']);
    corker.cork();
    expect(calls).toEqual(['cork', 'uncork', 'cork']);
    // The first cork's end of tick uncorks the second; the second's then has nothing to do.
    for (const fn of ticks.splice(0)) fn();
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });
});
