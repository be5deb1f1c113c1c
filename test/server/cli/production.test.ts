// A broker started as the README's production checklist says refuses what it
// should, while a permitted client works.
import { get } from 'node:https';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '../../../client/node.js';
import { useTestCerts } from '../../helpers/certs.js';
import { spawnBroker, startClient, tempDir } from '../../helpers/harness.js';
import { authFile, BILLING, OPS } from '../auth/auth-harness.js';

const certs = useTestCerts();

/** GET over https trusting the test CA, with an optional bearer token. */
function httpsGet(url: string, token?: string): Promise<number> {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return new Promise((resolve, reject) => {
    get(url, { ca: certs().ca.cert, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

/** The HTTP status a WebSocket upgrade from a page of `origin` gets (101 when accepted). */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { ca: certs().ca.cert, headers: { Origin: origin } });
    ws.on('open', () => (ws.terminate(), resolve(101)));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

describe('a broker set up by the production checklist', () => {
  it('refuses the unauthenticated, the out-of-prefix, plain ws, foreign origins and anonymous admins', async () => {
    const { certFile, keyFile } = certs().server;
    const auth = authFile([BILLING, OPS]);
    const broker = await spawnBroker(tempDir(), [
      ...['--auth-file', auth.file, '--tls-cert', certFile, '--tls-key', keyFile],
      ...['--allowed-origin', 'https://app.example', '--admin-port', '0'],
      ...['--max-sessions-per-owner', '50', '--max-locks-per-owner', '100'],
    ]);
    const [, adminUrl] = await broker.waitForLine(/^console: (https:\/\/\S+)\/$/);
    const tls = { ca: certs().ca.cert };

    // The permitted client works.
    const billing = await startClient(broker.url, { authToken: BILLING.token, tls });
    const lease = await billing.acquire('billing/invoice-1');
    expect(lease.token).toBeGreaterThan(0);
    await expect(billing.acquire('reports/daily')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await lease.release();

    // No credential, a wrong one, or no TLS: no session.
    const dial = (options: Record<string, unknown>) =>
      connect({ url: broker.url, connectTimeoutMs: 1_500, ...options }).then(
        (c) => (void c.close(), 'connected'),
        (err: { code?: string }) => err.code ?? 'error',
      );
    expect(await dial({ tls })).toBe('UNAUTHENTICATED');
    expect(await dial({ tls, authToken: 'not-a-token' })).toBe('UNAUTHENTICATED');
    const plain = await connect({
      url: broker.url.replace('wss://', 'ws://'),
      authToken: BILLING.token,
      connectTimeoutMs: 1_500,
    }).then(
      (c) => (void c.close(), 'connected'),
      () => 'refused',
    );
    expect(plain).toBe('refused');

    // Browsers: only the allowed origin.
    expect(await upgradeStatus(broker.url, 'https://evil.example')).toBe(403);
    expect(await upgradeStatus(broker.url, 'https://app.example')).toBe(101);

    // Admin: nothing without a credential, the views with an admin principal's token.
    expect(await httpsGet(`${adminUrl}/api/locks`)).toBe(401);
    expect(await httpsGet(`${adminUrl}/api/locks`, BILLING.token)).toBe(403);
    expect(await httpsGet(`${adminUrl}/api/locks`, OPS.token)).toBe(200);

    // A quota: past its locks, an owner is refused, and others go on.
    const ops = await startClient(broker.url, { authToken: OPS.token, tls });
    const held = [];
    for (let i = 0; i < 100; i++) held.push(await ops.acquire(`ops/${i}`));
    await expect(ops.acquire('ops/one-more')).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await billing.acquire('billing/invoice-2')).token).toBeGreaterThan(lease.token);
  });
});
