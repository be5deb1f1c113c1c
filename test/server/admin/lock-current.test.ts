import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../../shared/protocol.js';
import { eventually, startClient } from '../../helpers/harness.js';
import { RawClient } from '../../helpers/raw-client.js';
import { brokerWithAdmin, call } from './admin-harness.js';

type Current = { path: string; token: number; current: boolean };

describe('the sequencer check: client.isCurrent and GET /api/lock/current', () => {
  it('says a token is current while its hold lasts, for each holder of a semaphore, and not after', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const [a, b, checker] = await Promise.all([0, 1, 2].map(() => startClient(broker.url)));
    const first = await a!.acquire('pool', { limit: 2 });
    const second = await b!.acquire('pool', { limit: 2 });
    const ask = (token: number) =>
      call<Current>(admin, `/api/lock/current?path=pool&token=${token}`);
    for (const lease of [first, second]) {
      expect(await checker!.isCurrent('pool', lease.token)).toBe(true);
      expect((await ask(lease.token)).body).toEqual({
        path: 'pool',
        token: lease.token,
        current: true,
      });
    }
    await first.release();
    expect(await checker!.isCurrent('pool', first.token)).toBe(false);
    expect((await ask(first.token)).body.current).toBe(false);
    expect(await checker!.isCurrent('pool', second.token)).toBe(true);
    expect(await checker!.isCurrent('never/held', 1)).toBe(false);
    expect((await call(admin, '/api/lock/current?path=pool')).status).toBe(400);
    expect((await call(admin, '/api/lock/current?path=pool&token=x')).status).toBe(400);
    await expect(checker!.isCurrent('pool', -1)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('turns false for a holder that went silent past its lease, once the lock moved on', async () => {
    const { broker, admin } = await brokerWithAdmin();
    // A holder that stops talking, as a process stopped by SIGSTOP does.
    const paused = await RawClient.open(broker.url);
    paused.send({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 500 });
    await paused.next((f) => f.t === 'welcome');
    paused.send({ t: 'acquire', id: 1, path: 'report', wait: true });
    const grant = await paused.next((f) => f.t === 'grant');
    const old = grant.t === 'grant' ? grant.token : NaN;
    const next = await startClient(broker.url);
    const checker = await startClient(broker.url);
    expect(await checker.isCurrent('report', old)).toBe(true);
    const lease = await next.acquire('report', { timeoutMs: 10_000 });
    expect(lease.token).toBeGreaterThan(old);
    // The late write's check: refused at the broker and over HTTP.
    expect(await checker.isCurrent('report', old)).toBe(false);
    const answer = await call<Current>(admin, `/api/lock/current?path=report&token=${old}`);
    expect(answer.body.current).toBe(false);
    expect(await checker.isCurrent('report', lease.token)).toBe(true);
    await eventually(() => (broker.views.hasSession(checker.session!) ? true : undefined));
  });
});
