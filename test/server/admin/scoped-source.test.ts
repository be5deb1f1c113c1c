import { describe, expect, it } from 'vitest';
import { resolveAdminOptions } from '../../../server/admin/admin-options.js';
import type {
  HistoryEvent,
  LockSummary,
  Page,
  SessionSummary,
} from '../../../server/admin/admin-types.js';
import { eventually, freed, startClient } from '../../helpers/harness.js';
import { authFile, BILLING, OPS, REPORTS, type TestPrincipal } from '../auth/auth-harness.js';
import { brokerWithAdmin, call, openStream } from './admin-harness.js';

const BILLING_OPS: TestPrincipal = {
  name: 'billing-ops',
  token: 'billing-ops-token',
  allow: [{ prefix: 'billing/', rights: ['admin'] }],
};

/** A broker with an auth file and an admin token; a billing and a reports session, each holding a lock. */
async function scene() {
  const { file } = authFile([BILLING, REPORTS, OPS, BILLING_OPS]);
  const { broker, admin } = await brokerWithAdmin({ auth: { file } }, { token: 'root-token' });
  const billing = await startClient(broker.url, { authToken: BILLING.token });
  const reports = await startClient(broker.url, { authToken: REPORTS.token });
  const idle = await startClient(broker.url, { authToken: OPS.token });
  await billing.acquire('billing/1');
  await reports.acquire('reports/1');
  return { broker, admin, billing, reports, idle };
}

const paths = (page: Page<LockSummary>): string[] => page.items.map((l) => l.path).sort();

describe('the admin API with an auth file', () => {
  it('takes principals with admin rights; 401 without a known token, 403 without admin rights', async () => {
    const { admin } = await scene();
    expect((await call(admin, '/api/overview')).status).toBe(401);
    expect((await call(admin, '/api/overview', { token: 'nope' })).status).toBe(401);
    const worker = await call(admin, '/api/locks', { token: BILLING.token });
    expect(worker.status).toBe(403);
    expect(worker.body.error.code).toBe('FORBIDDEN');
    const ops = await call(admin, '/api/overview', { token: BILLING_OPS.token });
    expect(ops.status).toBe(200);
  });

  it('shows an operator the locks and sessions under its prefixes only', async () => {
    const { admin, billing, reports, idle } = await scene();
    const all = (token: string) =>
      call<Page<LockSummary>>(admin, '/api/locks?sort=path', { token }).then((a) => a.body);
    expect(paths(await all('root-token'))).toEqual(['billing/1', 'reports/1']);
    expect(paths(await all(OPS.token))).toEqual(['billing/1', 'reports/1']);
    const scoped = await all(BILLING_OPS.token);
    expect(paths(scoped)).toEqual(['billing/1']);
    expect(scoped.total).toBe(1);

    const sessions = await call<Page<SessionSummary>>(admin, '/api/sessions', {
      token: BILLING_OPS.token,
    });
    expect(sessions.body.items.map((s) => s.id)).toEqual([billing.session]);
    const everyone = await call<Page<SessionSummary>>(admin, '/api/sessions', {
      token: 'root-token',
    });
    expect(everyone.body.total).toBe(3);

    const token = BILLING_OPS.token;
    expect((await call(admin, '/api/lock?path=billing/1', { token })).status).toBe(200);
    expect((await call(admin, '/api/lock?path=reports/1', { token })).status).toBe(403);
    expect((await call(admin, `/api/session?id=${reports.session}`, { token })).status).toBe(403);
    // A session that holds nothing is no one prefix's: only operators of everything see it.
    expect((await call(admin, `/api/session?id=${idle.session}`, { token })).status).toBe(403);
    expect((await call(admin, `/api/session?id=${billing.session}`, { token })).status).toBe(200);

    const history = await call<{ events: HistoryEvent[] }>(admin, '/api/history', { token });
    expect(history.body.events.map((e) => e.path)).toEqual(['billing/1']);
    expect((await call(admin, '/api/history?path=reports/1', { token })).status).toBe(403);
  });

  it('refuses force-release and end-session outside the operator’s prefixes with a 403', async () => {
    const { broker, admin, billing, reports } = await scene();
    const token = BILLING_OPS.token;
    const post = (path: string) => call(admin, path, { method: 'POST', token });

    const release = await post('/api/lock/release?path=reports/1');
    expect(release.status).toBe(403);
    expect(release.body.error.message).toMatch(/reports\/1 is outside your admin prefixes/);
    expect(broker.views.queue('reports/1').holder?.sessionId).toBe(reports.session);
    expect((await post(`/api/session/end?id=${reports.session}`)).status).toBe(403);
    expect(broker.views.hasSession(reports.session!)).toBe(true);

    expect((await post('/api/lock/release?path=billing/1')).status).toBe(200);
    await freed(broker, 'billing/1');
    await billing.acquire('billing/2');
    expect((await post(`/api/session/end?id=${billing.session}`)).status).toBe(200);
    expect(broker.views.hasSession(billing.session!)).toBe(false);

    // The admin token is every right.
    const root = await call(admin, '/api/lock/release?path=reports/1', {
      method: 'POST',
      token: 'root-token',
    });
    expect(root.status).toBe(200);
  });

  it('streams an operator the history and queues of its prefixes only', async () => {
    const { broker, admin, billing, reports } = await scene();
    const stream = await openStream(admin, BILLING_OPS.token);
    expect(stream.status).toBe(200);
    const seen = (): string[] =>
      stream.updates.flatMap(({ data }) => [
        ...data.history.map((e) => e.path),
        ...data.changed,
        ...data.queues.map((q) => q.path),
      ]);
    const lease = await reports.acquire('reports/2');
    const mine = await billing.acquire('billing/3');
    await eventually(() => (seen().includes('billing/3') ? true : undefined), 5_000, 'billing/3');
    // Waiters joining queue tell no history; their paths are kept within the scope too.
    const queuedFor = async (token: string, path: string): Promise<void> => {
      const waiter = await startClient(broker.url, { authToken: token });
      waiter.acquire(path).catch(() => {});
    };
    await queuedFor(REPORTS.token, 'reports/1');
    await queuedFor(BILLING.token, 'billing/1');
    const billingQueue = (): true | undefined =>
      stream.updates.some(({ data }) =>
        data.queues.some((q) => q.path === 'billing/1' && q.waiting === 1),
      ) || undefined;
    await eventually(billingQueue, 5_000, 'a waiter on billing/1');
    expect(seen().every((p) => p.startsWith('billing/'))).toBe(true);
    await lease.release();
    await mine.release();
  });

  it('lets an admin server with principals but no token listen beyond loopback', () => {
    expect(() => resolveAdminOptions({ host: '0.0.0.0' })).toThrow(/needs a token/);
    expect(resolveAdminOptions({ host: '0.0.0.0' }, { principals: true }).host).toBe('0.0.0.0');
  });
});
