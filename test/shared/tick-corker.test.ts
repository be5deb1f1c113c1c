import { describe, expect, it } from 'vitest';
import { TickCork } from '../../shared/tick-corker.js';

describe('TickCork', () => {
  it('corks the socket under a ws WebSocket once per tick and uncorks it after', () => {
    const calls: string[] = [];
    const socket = {
      _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
    };
    const ticks: (() => void)[] = [];
    const afterTick = (fn: (c: TickCork) => void, c: TickCork) => ticks.push(() => fn(c));
    const corker = new TickCork(socket, afterTick);
    const cork = () => corker.cork();
    cork();
    cork();
    cork();
    expect(calls).toEqual(['cork']);
    ticks.shift()!();
    expect(calls).toEqual(['cork', 'uncork']);
    cork();
    expect(calls).toEqual(['cork', 'uncork', 'cork']);
    expect(ticks).toHaveLength(1);
  });

  it('does nothing where there is no TCP socket, as in a browser', () => {
    const ticks: (() => void)[] = [];
    const afterTick = (fn: (c: TickCork) => void, c: TickCork) => ticks.push(() => fn(c));
    const corker = new TickCork({}, afterTick);
    const cork = () => corker.cork();
    const flush = () => corker.flush();
    expect(() => cork()).not.toThrow();
    expect(() => flush()).not.toThrow();
    expect(ticks).toEqual([]);
  });

  it('flushes at once on request, and corks again for the rest of the tick', () => {
    const calls: string[] = [];
    const socket = {
      _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
    };
    const ticks: (() => void)[] = [];
    const afterTick = (fn: (c: TickCork) => void, c: TickCork) => ticks.push(() => fn(c));
    const corker = new TickCork(socket, afterTick);
    const cork = () => corker.cork();
    const flush = () => corker.flush();
    flush();
    expect(calls).toEqual([]);
    cork();
    flush();
    expect(calls).toEqual(['cork', 'uncork']);
    cork();
    expect(calls).toEqual(['cork', 'uncork', 'cork']);
    // The first cork's end of tick uncorks the second; the second's then has nothing to do.
    for (const fn of ticks.splice(0)) fn();
    expect(calls).toEqual(['cork', 'uncork', 'cork', 'uncork']);
  });
});
