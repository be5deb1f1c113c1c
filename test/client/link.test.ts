import { describe, expect, it } from 'vitest';
import { Link } from '../../client/link.js';
import { FakeSocket } from '../helpers/fake-socket.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** A link over fake sockets on a manual clock (a long backoff unless told), and what it dialled. */
function link(
  openTimeoutMs = 5_000,
  delayMs = 5_000,
  maxDelayMs = delayMs,
  random = (): number => 0,
  urgent?: { maxDelayMs: number; now: () => boolean },
): { link: Link; clock: ManualClock; dialled: string[]; last: () => FakeSocket } {
  const clock = new ManualClock();
  const dialled: string[] = [];
  const sockets: FakeSocket[] = [];
  const l = new Link(
    ['ws://a', 'ws://b'],
    (url) => {
      dialled.push(url);
      const socket = new FakeSocket();
      sockets.push(socket);
      return socket;
    },
    {
      backoff: { minMs: delayMs, maxMs: maxDelayMs, jitter: 0.5 },
      openTimeoutMs,
      ...(urgent ? { urgentMaxDelayMs: urgent.maxDelayMs } : {}),
    },
    { open: () => {}, frame: () => {}, down: () => {}, urgent: urgent?.now },
    clock,
    random,
  );
  return { link: l, clock, dialled, last: () => sockets.at(-1)! };
}

describe('a redirect', () => {
  it('is followed at once the first time, then with the backoff until a session is up', () => {
    const { link: l, clock, dialled, last } = link();
    l.dial();
    last().open();
    l.connected();
    // The broker handed over: it names the next one and closes.
    l.redirect('ws://next');
    last().onclose?.({ code: 4012, reason: '' });
    clock.advance(0);
    expect(dialled).toEqual(['ws://a', 'ws://next']);
    // That broker sends it on again before any session: now the backoff applies.
    l.redirect('ws://a');
    last().onclose?.({ code: 4012, reason: '' });
    clock.advance(4_999);
    expect(dialled).toEqual(['ws://a', 'ws://next']);
    clock.advance(1);
    expect(dialled).toEqual(['ws://a', 'ws://next', 'ws://a']);
    l.stop();
  });
});

describe('a dial', () => {
  it('that brings no session in time is given up for the next URL', () => {
    const { link: l, clock, dialled, last } = link(30, 1);
    l.dial();
    // A paused broker: the TCP connection opens, nothing answers the hello.
    const hung = last();
    hung.open();
    clock.advance(29);
    expect(hung.closedWith).toBe(null);
    clock.advance(1);
    expect(hung.closedWith).toBe(1000);
    clock.advance(1);
    expect(dialled).toEqual(['ws://a', 'ws://b']);
    // A session that comes up in time keeps its socket.
    const fine = last();
    fine.open();
    l.connected();
    clock.advance(1_000);
    expect(fine.closedWith).toBe(null);
    expect(dialled).toHaveLength(2);
    l.stop();
  });
});

describe('the reconnect backoff', () => {
  /** When each dial happened, for sockets that all fail at once. */
  function dialTimes(
    random: () => number,
    dials: number,
    urgent?: { maxDelayMs: number; now: () => boolean },
  ): number[] {
    const { link: l, clock, dialled, last } = link(60_000, 100, 1_000, random, urgent);
    const times: number[] = [];
    l.dial();
    while (dialled.length < dials) {
      if (times.length < dialled.length) {
        times.push(clock.now());
        last().onclose?.({ code: 1006, reason: '' });
      }
      clock.advance(1);
    }
    times.push(clock.now());
    l.stop();
    return times;
  }

  it('doubles from the least delay up to the most, jittered down by at most half', () => {
    const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps(dialTimes(() => 0, 7))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    // random() < 1: the longest jitter takes a little under half off.
    expect(gaps(dialTimes(() => 0.999, 7))).toEqual([51, 101, 201, 401, 501, 501]);
  });

  it('stays short while the owner holds something that lapses, and grows again after', () => {
    const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);
    let holding = true;
    const urgent = { maxDelayMs: 300, now: () => holding };
    expect(gaps(dialTimes(() => 0, 7, urgent))).toEqual([100, 200, 300, 300, 300, 300]);
    // Never below the least delay, whatever the cap.
    expect(gaps(dialTimes(() => 0, 4, { maxDelayMs: 10, now: () => true }))).toEqual([
      100, 100, 100,
    ]);
    holding = false;
    expect(gaps(dialTimes(() => 0, 7, urgent))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('starts afresh once a session is up', () => {
    const { link: l, clock, dialled, last } = link(60_000, 100, 1_000);
    l.dial();
    for (const waitMs of [100, 200]) {
      last().onclose?.({ code: 1006, reason: '' });
      clock.advance(waitMs);
    }
    expect(dialled).toHaveLength(3);
    last().open();
    l.connected();
    last().onclose?.({ code: 1006, reason: '' });
    clock.advance(100);
    expect(dialled).toHaveLength(4);
    l.stop();
  });
});
