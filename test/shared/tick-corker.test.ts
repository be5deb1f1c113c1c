import { describe, expect, it } from 'vitest';
import { tickCorker } from '../../shared/tick-corker.js';

describe('tickCorker', () => {
  it('corks the socket under a ws WebSocket once per tick and uncorks it after', () => {
    const calls: string[] = [];
    const socket = {
      _socket: { cork: () => calls.push('cork'), uncork: () => calls.push('uncork') },
    };
    const ticks: (() => void)[] = [];
    const cork = tickCorker(socket, (fn) => ticks.push(fn));
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
    const cork = tickCorker({}, (fn) => ticks.push(fn));
    expect(() => cork()).not.toThrow();
    expect(ticks).toEqual([]);
  });
});
