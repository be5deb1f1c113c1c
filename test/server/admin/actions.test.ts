import { describe, expect, it } from 'vitest';
import type { HistoryEvent, SessionDetail } from '../../../server/admin/admin-types.js';
import { LockLostError, type ClientStatus } from '../../../client/node.js';
import { eventually, startClient } from '../../helpers/harness.js';
import { brokerWithAdmin, call } from './admin-harness.js';

/** The reason a lease's signal aborted with, once it has. */
function lostReason(signal: AbortSignal): Promise<string> {
  return eventually(() => {
    if (!signal.aborted) return undefined;
    const reason: unknown = signal.reason;
    return reason instanceof LockLostError ? reason.reason : String(reason);
  });
}

describe('admin actions', () => {
  it('force-release revokes the holder and grants the next waiter a larger token', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const holder = await startClient(broker.url, { name: 'holder' });
    const waiter = await startClient(broker.url, { name: 'waiter' });
    const lease = await holder.acquire('jobs/x');
    const next = waiter.acquire('jobs/x');
    await eventually(() => (broker.views.queue('jobs/x').queue.length === 1 ? true : undefined));

    const answer = await call(admin, '/api/lock/release?path=jobs/x', { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ released: { sessionId: holder.session, token: lease.token } });
    expect(await lostReason(lease.signal)).toBe('revoked');
    const granted = await next;
    expect(granted.token).toBeGreaterThan(lease.token);
    // The evicted holder's late release must not free the new holder's lock.
    await lease.release();
    expect(broker.views.queue('jobs/x').holder?.token).toBe(granted.token);

    const history = await call<{ events: HistoryEvent[] }>(admin, '/api/history?path=jobs/x');
    const release = history.body.events.find((e) => e.kind === 'release');
    expect(release).toMatchObject({
      sessionId: holder.session,
      token: lease.token,
      reason: 'forced',
    });

    await granted.release();
    await eventually(() => (broker.views.queue('jobs/x').holder === null ? true : undefined));
    const nobody = await call(admin, '/api/lock/release?path=jobs/x', { method: 'POST' });
    expect(nobody.status).toBe(409);
    expect(nobody.body.error.code).toBe('CONFLICT');
    expect((await call(admin, '/api/lock/release', { method: 'POST' })).status).toBe(400);
  });

  it('end-session ends it: its leases abort, its locks go to the next waiter', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const doomed = await startClient(broker.url, { name: 'doomed' });
    const states: ClientStatus['state'][] = [];
    doomed.onStatus((s) => states.push(s.state));
    const other = await startClient(broker.url);
    const lease = await doomed.acquire('jobs/y');
    const next = other.acquire('jobs/y');
    await eventually(() => (broker.views.queue('jobs/y').queue.length === 1 ? true : undefined));
    const id = doomed.session as string;
    expect((await call<SessionDetail>(admin, `/api/session?id=${id}`)).body.locks).toHaveLength(1);

    const answer = await call(admin, `/api/session/end?id=${id}`, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ ended: true });
    // The broker may say so per lock (revoked) before it ends the session.
    expect(await lostReason(lease.signal)).toMatch(/^(revoked|session-expired)$/);
    await eventually(() => (states.includes('session-expired') ? true : undefined));
    expect((await next).token).toBeGreaterThan(lease.token);
    expect(broker.views.hasSession(id)).toBe(false);
    expect((await call(admin, `/api/session?id=${id}`)).status).toBe(404);

    const again = await call(admin, `/api/session/end?id=${id}`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
  });
});
