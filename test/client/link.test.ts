import { describe, expect, it } from 'vitest';
import { Link } from '../../client/link.js';
import { sleep } from '../helpers/harness.js';
import { FakeSocket } from '../helpers/fake-socket.js';

/** A link over fake sockets (a long backoff unless told), and the URLs it dialled. */
function link(
  openTimeoutMs = 5_000,
  delayMs = 5_000,
): { link: Link; dialled: string[]; last: () => FakeSocket } {
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
    { minDelayMs: delayMs, maxDelayMs: delayMs, openTimeoutMs },
    { open: () => {}, frame: () => {}, down: () => {} },
  );
  return { link: l, dialled, last: () => sockets.at(-1)! };
}

describe('a redirect', () => {
  it('is followed at once the first time, then with the backoff until a session is up', async () => {
    const { link: l, dialled, last } = link();
    l.dial();
    last().open();
    l.connected();
    // The broker handed over: it names the next one and closes.
    l.redirect('ws://next');
    last().onclose?.({ code: 4012, reason: '' });
    await sleep(20);
    expect(dialled).toEqual(['ws://a', 'ws://next']);
    // That broker sends it on again before any session: now the backoff applies.
    l.redirect('ws://a');
    last().onclose?.({ code: 4012, reason: '' });
    await sleep(50);
    expect(dialled).toEqual(['ws://a', 'ws://next']);
    l.stop();
  });
});

describe('a dial', () => {
  it('that brings no session in time is given up for the next URL', async () => {
    const { link: l, dialled, last } = link(30, 1);
    l.dial();
    // A paused broker: the TCP connection opens, nothing answers the hello.
    const hung = last();
    hung.open();
    await sleep(80);
    expect(hung.closedWith).toBe(1000);
    expect(dialled.slice(0, 2)).toEqual(['ws://a', 'ws://b']);
    // A session that comes up in time keeps its socket.
    const fine = last();
    fine.open();
    l.connected();
    await sleep(80);
    expect(fine.closedWith).toBe(null);
    l.stop();
  });
});
