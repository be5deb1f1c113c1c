import { describe, expect, it } from 'vitest';
import { startBroker } from './brokers.js';
import { Peer } from './peer.js';
import { LIST_CODES } from './wire.js';

const { acquire, release, grant } = LIST_CODES;

/** The next list frame the peer received. */
async function nextList(peer: Peer): Promise<unknown[]> {
  return (await peer.next((f) => Array.isArray(f))) as unknown as unknown[];
}

describe('compact frames (PROTOCOL.md: Compact frames)', () => {
  it('grants a list acquire with a list grant, and hands the lock on at a list release', async () => {
    const broker = await startBroker();
    const { peer: first, welcome } = await Peer.session(broker.url, { compact: true });
    expect(welcome.compact).toBe(true);
    const { peer: second } = await Peer.session(broker.url, { compact: true });
    first.sendList([acquire, 1, 'orders/1', true]);
    const granted = await nextList(first);
    expect(granted).toEqual([grant, 1, 'orders/1', expect.any(Number)]);
    // 0x94: a fixarray of four items, nothing else.
    expect(first.raw.at(-1)![0]).toBe(0x94);
    const token = granted[3] as number;
    // A list acquire is quiet: no `queued` while it waits, only its grant later.
    second.sendList([acquire, 7, 'orders/1', true]);
    await second.sync(8);
    first.sendList([release, 2, 'orders/1', token]);
    const next = await nextList(second);
    expect(next).toEqual([grant, 7, 'orders/1', expect.any(Number)]);
    expect(next[3] as number).toBeGreaterThan(token);
    // A list release is quiet too: nothing answered it.
    await first.sync(3);
    expect(first.frames).toEqual([]);
  });

  it('answers a list try with busy, and reads maps on the same connection', async () => {
    const broker = await startBroker();
    const { peer: holder } = await Peer.session(broker.url, { compact: true });
    const { peer } = await Peer.session(broker.url, { compact: true });
    holder.send({ t: 'acquire', id: 1, path: 'p', wait: true });
    // Asked for lists: a grant is a list, whatever form its acquire took.
    expect(await nextList(holder)).toEqual([grant, 1, 'p', expect.any(Number)]);
    peer.sendList([acquire, 1, 'p', false]);
    expect(await peer.reply(1)).toEqual({ t: 'busy', id: 1 });
  });

  it('sends maps to a client that did not ask for lists, even for a list acquire', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url);
    peer.sendList([acquire, 1, 'p', true]);
    expect(await peer.reply(1)).toEqual({
      t: 'grant',
      id: 1,
      path: 'p',
      token: expect.any(Number),
    });
  });

  it('refuses a bad list with PROTOCOL, its id when it has one, and keeps the connection', async () => {
    const broker = await startBroker();
    const { peer } = await Peer.session(broker.url, { compact: true });
    const bad: [unknown[], number | undefined][] = [
      [[acquire, 1, 'p'], 1],
      [[acquire, 1, 'p', true, 0], 1],
      [[9, 2, 'p', true], 2],
      [[grant, 3, 'p', 1], 3],
      [[acquire, 4, 'p', 'yes'], 4],
      [[release, 5, 'p', -1], 5],
      [[acquire, 0, 'p', true], undefined],
      [[], undefined],
    ];
    for (const [list, id] of bad) {
      peer.sendList(list);
      const error = await peer.next((f) => f.t === 'error');
      expect(error).toMatchObject({ t: 'error', code: 'PROTOCOL' });
      expect(error.id).toBe(id);
    }
    await peer.sync(10);
    expect(peer.closed).toBeNull();
  });
});
