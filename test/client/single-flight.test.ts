import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../shared/protocol.js';
import { eventually, sleep, startBroker, startClient } from '../helpers/harness.js';
import { RawClient } from '../helpers/raw-client.js';
import { brokerPair } from '../helpers/broker-pair.js';

/** Resolves when `release` is called: a run that lasts as long as the test wants. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = (): void => {};
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

describe('client.singleFlight', () => {
  it('runs fn once for all callers that come while it runs, and hands them its value', async () => {
    const broker = await startBroker();
    const clients = await Promise.all([0, 1, 2, 3].map(() => startClient(broker.url)));
    let runs = 0;
    const g = gate();
    const report = async () => {
      runs++;
      await g.wait;
      return { rows: [1, 2, 3], built: 'once' };
    };
    const first = clients[0]!.singleFlight('reports/daily', report);
    await eventually(() => (runs === 1 ? true : undefined));
    const others = clients.slice(1).map((c) => c.singleFlight('reports/daily', report));
    await eventually(() =>
      broker.views.queue('reports/daily').queue.length === 3 ? true : undefined,
    );
    g.open();
    const values = await Promise.all([first, ...others]);
    expect(runs).toBe(1);
    for (const v of values) expect(v).toEqual({ rows: [1, 2, 3], built: 'once' });
    // The path is free again; a later caller runs afresh.
    expect(await clients[1]!.singleFlight('reports/daily', () => 'again')).toBe('again');
    await eventually(() =>
      broker.views.queue('reports/daily').holders.length === 0 ? true : undefined,
    );
  });

  it('hands the failure to the waiters as FLIGHT_FAILED, and the runner gets its own error', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const g = gate();
    const runner = a.singleFlight('hook', async () => {
      await g.wait;
      throw new TypeError('upstream said 503');
    });
    await eventually(() => (broker.views.queue('hook').holders.length === 1 ? true : undefined));
    const follower = b.singleFlight('hook', () => 'never');
    await eventually(() => (broker.views.queue('hook').queue.length === 1 ? true : undefined));
    g.open();
    await expect(runner).rejects.toThrow(TypeError);
    await expect(follower).rejects.toMatchObject({
      code: 'FLIGHT_FAILED',
      message: expect.stringContaining('upstream said 503'),
    });
  });

  it('lets the next caller run fn when the runner’s session dies', async () => {
    const broker = await startBroker();
    const dying = await RawClient.open(broker.url);
    dying.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 500 });
    await dying.next((f) => f.t === 'welcome');
    dying.send({ t: 'acquire', id: 1, path: 'cache/warm', wait: true, flight: true });
    await dying.next((f) => f.t === 'grant');
    const next = await startClient(broker.url);
    let ran = false;
    const value = await next.singleFlight('cache/warm', () => {
      ran = true;
      return 42;
    });
    expect([ran, value]).toEqual([true, 42]);
  });

  it('gives a value over maxResultBytes to the runner only; the others are told why', async () => {
    const broker = await startBroker();
    const [a, b] = [await startClient(broker.url), await startClient(broker.url)];
    const g = gate();
    const big = 'x'.repeat(2_000);
    const runner = a.singleFlight(
      'big',
      async () => {
        await g.wait;
        return big;
      },
      { maxResultBytes: 1_000 },
    );
    await eventually(() => (broker.views.queue('big').holders.length === 1 ? true : undefined));
    const follower = b.singleFlight('big', () => 'mine');
    await eventually(() => (broker.views.queue('big').queue.length === 1 ? true : undefined));
    g.open();
    expect(await runner).toBe(big);
    await expect(follower).rejects.toMatchObject({
      code: 'FLIGHT_FAILED',
      message: expect.stringMatching(/over maxResultBytes/),
    });
  });

  it('keeps its waiters across a failover: the runner’s value reaches them from the new broker', async () => {
    const { active: a, standby: b, urls } = await brokerPair();
    const [runnerClient, waiterClient] = [await startClient(urls), await startClient(urls)];
    const g = gate();
    const runner = runnerClient.singleFlight('job', async () => {
      await g.wait;
      return 'built';
    });
    await eventually(() => (a.views.queue('job').holders.length === 1 ? true : undefined));
    const follower = waiterClient.singleFlight('job', () => 'ran twice');
    await eventually(() => (b.views.queue('job').queue.length === 1 ? true : undefined));
    await a.close();
    await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
    // Both clients resume on b before the run ends.
    await eventually(() =>
      b.views.hasSession(runnerClient.session!) && b.views.hasSession(waiterClient.session!)
        ? true
        : undefined,
    );
    await sleep(300);
    g.open();
    expect(await runner).toBe('built');
    expect(await follower).toBe('built');
  });
});
