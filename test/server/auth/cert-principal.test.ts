// A client certificate as the credential, end to end: TLS verifies it, its
// subject names a principal of the auth file, and that principal's prefixes
// decide what the session may lock.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../../../client/node.js';
import { sha256 } from '../../../server/core/secret-hash.js';
import { useTestCerts } from '../../helpers/certs.js';
import { startBroker, startClient, tempDir } from '../../helpers/harness.js';
import { CLIENT_SUBJECT } from '../../support/test-certs.js';

const certs = useTestCerts();

/** A broker over TLS that requires client certificates, whose auth file knows the test client's subject. */
async function brokerKnowingTheCert() {
  const file = join(tempDir(), 'auth.json');
  const principals = [
    {
      name: 'billing-by-cert',
      certSubject: CLIENT_SUBJECT,
      allow: [{ prefix: 'billing/', rights: ['lock'] }],
    },
    {
      name: 'ops',
      tokenSha256: sha256('ops-token').toString('hex'),
      allow: [{ prefix: '', rights: ['lock', 'admin'] }],
    },
  ];
  writeFileSync(file, JSON.stringify({ principals }, null, 2));
  const c = certs();
  return startBroker({
    auth: { file },
    transport: {
      tls: {
        cert: c.server.certFile,
        key: c.server.keyFile,
        ca: c.ca.certFile,
        clientCert: 'require',
      },
    },
  });
}

describe('a client certificate naming a principal', () => {
  it('authenticates without a token, and the principal’s prefixes apply', async () => {
    const broker = await brokerKnowingTheCert();
    const c = certs();
    const client = await startClient(broker.url, {
      tls: { ca: c.ca.cert, cert: c.client.cert, key: c.client.key },
    });
    const lease = await client.acquire('billing/invoice-7');
    expect(lease.token).toBeGreaterThan(0);
    await expect(client.acquire('reports/daily')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // The session goes on after the refusal.
    await lease.release();
    expect(broker.views.counts().sessions).toBe(1);
    expect((await client.acquire('billing/invoice-8')).token).toBeGreaterThan(lease.token);
  });

  it('is refused at the TLS handshake when the certificate is not from the CA', async () => {
    const broker = await brokerKnowingTheCert();
    const c = certs();
    const refused = await connect({
      url: broker.url,
      connectTimeoutMs: 1_500,
      tls: { ca: c.ca.cert, cert: c.rogue.cert, key: c.rogue.key },
    }).then(
      (client) => (void client.close(), null),
      (err: Error) => err,
    );
    expect(refused).toBeInstanceOf(Error);
    expect(broker.views.counts().sessions).toBe(0);
  });
});
