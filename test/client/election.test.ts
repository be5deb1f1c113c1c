import { describe, expect, it } from 'vitest';
import type { Leader } from '../../client/leadership.js';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { eventually, sleep, startBroker, startClient } from '../helpers/harness.js';
import { RawClient } from '../helpers/raw-client.js';
import { brokerPair } from '../helpers/broker-pair.js';

/** What an observer was told, in order, as "value#token" or "none". */
function recorder(): { seen: string[]; listener: (l: Leader | null) => void } {
  const seen: string[] = [];
  return { seen, listener: (l) => seen.push(l ? `${l.value}#${l.token}` : 'none') };
}

const said = (seen: string[], count: number) => () => (seen.length >= count ? true : undefined);

describe('leader election', () => {
  it('elects candidates in line, tells observers each leader and value, and passes on at resign', async () => {
    const broker = await startBroker();
    const [a, b, watcher] = await Promise.all([0, 1, 2].map(() => startClient(broker.url)));
    const { seen, listener } = recorder();
    const stop = watcher!.observe('svc/leader', listener);
    await eventually(said(seen, 1));
    expect(seen).toEqual(['none']);
    const first = await a!.elect('svc/leader', { value: 'http://a:8080' });
    const second = b!.elect('svc/leader', { value: 'http://b:8080' });
    await eventually(said(seen, 2));
    expect(seen[1]).toBe(`http://a:8080#${first.token}`);
    await first.resign();
    const next = await second;
    expect(next.token).toBeGreaterThan(first.token);
    await eventually(said(seen, 3));
    expect(seen[2]).toBe(`http://b:8080#${next.token}`);
    stop();
    await next.resign();
    // Unwatched: nothing more is told.
    await a!.tryAcquire('sync');
    expect(seen).toHaveLength(3);
    await expect(a!.elect('svc/leader', { limit: 2 } as never)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
  });

  it('tells observers who leads next when a leader’s session dies', async () => {
    const broker = await startBroker();
    const silent = await RawClient.open(broker.url);
    silent.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 500 });
    await silent.next((f) => f.t === 'welcome');
    silent.send({ t: 'acquire', id: 1, path: 'svc', wait: true, value: 'gone' });
    await silent.next((f) => f.t === 'grant');
    const [candidate, watcher] = [await startClient(broker.url), await startClient(broker.url)];
    const { seen, listener } = recorder();
    watcher.observe('svc', listener);
    await eventually(said(seen, 1));
    expect(seen[0]).toMatch(/^gone#\d+$/);
    const leadership = await candidate.elect('svc', { value: 'next', timeoutMs: 10_000 });
    // Its lease ran out and the next in line was granted in the same step: no gap to tell.
    await eventually(said(seen, 2));
    expect(seen.slice(1)).toEqual([`next#${leadership.token}`]);
  });

  it('keeps observers told across a failover of the Redis-backed pair', async () => {
    const { active: a, standby: b, urls } = await brokerPair();
    const [leaderClient, candidate, watcher] = await Promise.all(
      [0, 1, 2].map(() => startClient(urls)),
    );
    const { seen, listener } = recorder();
    watcher!.observe('svc', listener);
    const term = await leaderClient!.elect('svc', { value: 'one', consistency: 'strict' });
    const waiting = candidate!.elect('svc', { value: 'two' });
    await eventually(() => (seen.includes(`one#${term.token}`) ? true : undefined));
    await a.close();
    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
    // The leader kept its term across the takeover; the observer, back on b, hears of no change.
    await term.resign();
    const next = await waiting;
    await eventually(() => (seen.includes(`two#${next.token}`) ? true : undefined), 10_000);
    // Nobody led before the first term; afterwards there was always a leader.
    expect(seen.slice(1).filter((s) => s === 'none')).toEqual([]);
    expect(seen.at(-1)).toBe(`two#${next.token}`);
  });
});

describe('an observer whose function throws', () => {
  it('keeps being told, and the client’s session and leases go on', async () => {
    const broker = await startBroker();
    const [leader, watcher] = [await startClient(broker.url), await startClient(broker.url)];
    const lease = await watcher.acquire('mine');
    const states: string[] = [];
    watcher.onStatus((st) => states.push(st.state));
    let calls = 0;
    watcher.observe('svc', () => {
      calls++;
      throw new Error('a bug in the caller');
    });
    await eventually(() => (calls === 1 ? true : undefined));
    const term = await leader.elect('svc', { value: 'x' });
    await eventually(() => (calls === 2 ? true : undefined));
    await term.resign();
    await eventually(() => (calls === 3 ? true : undefined));
    expect(lease.signal.aborted).toBe(false);
    expect(await watcher.isCurrent('mine', lease.token)).toBe(true);
    // Not even a reconnect: the caller's throw stayed out of the frame handling.
    expect(states).not.toContain('reconnecting');
  });
});

describe('watch and unwatch', () => {
  it('renew the session like any answered request: one that only watches outlives its TTL', async () => {
    const broker = await startBroker();
    const raw = await RawClient.open(broker.url);
    raw.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 500 });
    const welcome = await raw.next((f) => f.t === 'welcome');
    const session = welcome.t === 'welcome' ? welcome.session : '';
    for (let id = 1; id <= 16; id += 2) {
      raw.send({ t: 'watch', id, path: 'svc' });
      await raw.next((f) => f.t === 'leader' && f.id === id);
      raw.send({ t: 'unwatch', id: id + 1, target: id });
      await raw.next((f) => f.t === 'ok' && f.id === id + 1);
      await sleep(200);
    }
    // 1.6 s of nothing but watches on a 500 ms TTL.
    expect(broker.views.hasSession(session)).toBe(true);
  });
});
