import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { useTestCerts } from '../../helpers/certs.js';
import { startBroker, startClient } from '../../helpers/harness.js';

const certs = useTestCerts();

/** An https request trusting only the test CA; resolves with status and parsed body. */
function call(
  url: string,
  o: { method?: string; origin?: string } = {},
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const headers = o.origin === undefined ? {} : { Origin: o.origin };
    const req = request(url, { method: o.method ?? 'GET', ca: certs().ca.cert, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the admin server with transport.tls', () => {
  it('serves https:// with the broker certificate, and takes its own page’s https Origin', async () => {
    const { certFile: cert, keyFile: key } = certs().server;
    const broker = await startBroker({ transport: { tls: { cert, key } }, admin: { port: 0 } });
    const admin = broker.adminUrl as string;
    expect(admin).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await call(`${admin}/healthz`)).toEqual({ status: 200, body: { ok: true } });

    const client = await startClient(broker.url, { tls: { ca: certs().ca.cert } });
    await client.acquire('held');
    const release = `${admin}/api/lock/release?path=held`;
    // A console served over https posts with an https Origin of the same host.
    const foreign = await call(release, { method: 'POST', origin: 'https://evil.example' });
    expect(foreign.status).toBe(400);
    const own = await call(release, { method: 'POST', origin: admin });
    expect(own.status).toBe(200);
    expect(broker.views.queue('held').holder).toBeNull();
  });
});
