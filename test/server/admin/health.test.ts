import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Overview, ReadyReply } from '../../../server/admin/admin-types.js';
import type { Broker } from '../../../server/broker.js';
import { eventually, startBroker } from '../../helpers/harness.js';
import { RedisProcess } from '../../helpers/redis-server.js';
import { TcpProxy } from '../../helpers/tcp-proxy.js';
import { brokerWithAdmin, call, startAdminFor } from './admin-harness.js';
import type { AdminServer } from '../../../server/admin/admin-server.js';

const TOKEN = 'health-token';
const LEASE_MS = 500;

/** Polls /readyz until its status is `status`; returns that answer. */
function readyzBecomes(admin: AdminServer, status: number, what: string): Promise<ReadyReply> {
  return eventually(
    async () => {
      const answer = await call<ReadyReply>(admin, '/readyz');
      return answer.status === status ? answer.body : undefined;
    },
    10_000,
    what,
  );
}

/**
 * An active broker and a standby on one real Redis, each reaching it through
 * a proxy the test can cut, each with an admin server that has a token.
 */
async function activeAndStandby(): Promise<{
  active: Broker;
  standby: Broker;
  activeAdmin: AdminServer;
  standbyAdmin: AdminServer;
  activeLink: TcpProxy;
  standbyLink: TcpProxy;
}> {
  const redis = await RedisProcess.start();
  const activeLink = await TcpProxy.start(redis.port);
  const standbyLink = await TcpProxy.start(redis.port);
  const via = (link: TcpProxy) => ({
    redis: { url: `redis://127.0.0.1:${link.port}`, leaderLeaseMs: LEASE_MS },
  });
  const active = await startBroker(via(activeLink));
  await eventually(() => (active.role === 'active' ? true : undefined), 5_000, 'active');
  const standby = await startBroker(via(standbyLink));
  expect(standby.role).toBe('standby');
  return {
    active,
    standby,
    activeAdmin: await startAdminFor(active, { token: TOKEN }),
    standbyAdmin: await startAdminFor(standby, { token: TOKEN }),
    activeLink,
    standbyLink,
  };
}

describe('/livez and /readyz', () => {
  it('answer without a credential and say no more than the role', async () => {
    const { admin } = await brokerWithAdmin({}, { token: TOKEN });
    for (const path of ['/livez', '/healthz']) {
      const live = await call(admin, path);
      expect(live.status, path).toBe(200);
      expect(live.body, path).toEqual({ ok: true });
    }
    const ready = await call<ReadyReply>(admin, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ ready: true, role: 'embedded', strictGraceMs: 0 });
    expect(ready.headers['cache-control']).toBe('no-store');
    // The rest still needs the token.
    expect((await call(admin, '/metrics')).status).toBe(401);
    expect((await call(admin, '/api/overview')).status).toBe(401);
  });

  it('turn not ready when a broker stops, while /livez still answers', async () => {
    const { broker, admin } = await brokerWithAdmin();
    await broker.close();
    const stopped = await call<ReadyReply>(admin, '/readyz');
    expect(stopped.status).toBe(503);
    expect(stopped.body).toMatchObject({ ready: false, reason: 'closing' });
    expect(stopped.body.detail).toMatch(/shutting down/);
    expect((await call(admin, '/livez')).status).toBe(200);
  });

  it('call an active broker and a caught-up standby ready, and a standby cut off from Redis not', async () => {
    const { active, standby, activeAdmin, standbyAdmin, standbyLink } = await activeAndStandby();
    const onActive = await call<ReadyReply>(activeAdmin, '/readyz');
    expect(onActive.status).toBe(200);
    expect(onActive.body).toEqual({ ready: true, role: 'active', strictGraceMs: 0 });
    // A standby that follows the log is a working member: it sends clients on.
    const onStandby = await readyzBecomes(standbyAdmin, 200, 'the standby to be ready');
    expect(onStandby).toEqual({ ready: true, role: 'standby', strictGraceMs: 0 });
    const overview = await call<Overview>(standbyAdmin, '/api/overview', { token: TOKEN });
    expect(overview.body).toMatchObject({
      role: 'standby',
      readiness: { ready: true },
      leaderUrl: active.advertisedUrl,
    });

    standbyLink.cut(true);
    const cut = await readyzBecomes(standbyAdmin, 503, 'the cut-off standby to be not ready');
    expect(cut).toMatchObject({ ready: false, role: 'standby' });
    expect(['not-following', 'behind']).toContain(cut.reason);
    // The active broker never depended on it.
    expect((await call(activeAdmin, '/readyz')).status).toBe(200);

    standbyLink.cut(false);
    const back = await readyzBecomes(standbyAdmin, 200, 'the standby to follow again');
    expect(back).toMatchObject({ ready: true, role: 'standby' });

    // A planned stop: not ready from the moment it starts, and the standby takes over ready.
    const handing = active.handOver();
    expect(active.admin.readiness()).toMatchObject({ ready: false, reason: 'handing-over' });
    const during = await call<ReadyReply>(activeAdmin, '/readyz');
    expect(during.status).toBe(503);
    expect(['handing-over', 'closing']).toContain(during.body.reason);
    await handing;
    await eventually(() => (standby.role === 'active' ? true : undefined), 5_000, 'the takeover');
    const successor = await readyzBecomes(standbyAdmin, 200, 'the successor to be ready');
    expect(successor.role).toBe('active');
  });

  it('call an active broker that cannot renew its lease not ready, and its successor ready', async () => {
    const { active, standby, activeAdmin, standbyAdmin, activeLink } = await activeAndStandby();
    await readyzBecomes(standbyAdmin, 200, 'the standby to be ready');
    activeLink.cut(true);
    const lapsed = await readyzBecomes(
      activeAdmin,
      503,
      'the cut-off active broker to be not ready',
    );
    expect(lapsed).toMatchObject({ ready: false, role: 'active', reason: 'lease-unconfirmed' });
    await eventually(() => (standby.role === 'active' ? true : undefined), 10_000, 'a takeover');
    const successor = await readyzBecomes(standbyAdmin, 200, 'the new active broker to be ready');
    expect(successor.role).toBe('active');

    // Back on the network, the old active broker finds it was deposed and follows as a standby.
    activeLink.cut(false);
    await eventually(() => (active.role === 'standby' ? true : undefined), 10_000, 'the demotion');
    const follows = await readyzBecomes(activeAdmin, 200, 'the deposed broker to follow');
    expect(follows).toMatchObject({ ready: true, role: 'standby' });
  });
});

describe('/api/overview', () => {
  it('says the role, the readiness, the version and the caps', async () => {
    const { admin } = await brokerWithAdmin({ limits: { maxSessions: 321, maxConnections: 654 } });
    const overview = await call<Overview>(admin, '/api/overview');
    expect(overview.body).toMatchObject({
      role: 'embedded',
      readiness: { ready: true },
      leaderUrl: null,
      version: packageVersion(),
      limits: { maxSessions: 321, maxConnections: 654 },
    });
  });
});

function packageVersion(): string {
  const file = join(import.meta.dirname, '../../../package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
