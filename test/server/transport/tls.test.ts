import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { connect, type BatonClient, type ClientTlsOptions } from '../../../client/node.js';
import { resolveBrokerOptions, type TransportOptions } from '../../../server/broker-options.js';
import { systemTimer } from '../../../server/clock.js';
import { silentLogger } from '../../../server/log.js';
import {
  resolveTlsOptions,
  type ClientCertMode,
  type TlsOptions,
} from '../../../server/transport/tls.js';
import { WsGateway, type GatewayHandler } from '../../../server/transport/ws-gateway.js';
import { useTestCerts } from '../../helpers/certs.js';
import { GATEWAY_TEST_OPTIONS, welcomeAs } from '../../helpers/gateway-welcome.js';
import { freed, startBroker, startClient, tempDir } from '../../helpers/harness.js';
import { CLIENT_SUBJECT } from '../../support/test-certs.js';

const certs = useTestCerts();

/** The broker's own certificate and key, by file path. */
const serverTls = (more: TlsOptions = {}): TlsOptions => ({
  cert: certs().server.certFile,
  key: certs().server.keyFile,
  ...more,
});

/** connect(), failing fast: a refused dial is retried until the connect timeout. */
async function refusal(url: string, tls?: ClientTlsOptions): Promise<Error> {
  const error = await connect({ url, connectTimeoutMs: 1_500, ...(tls && { tls }) }).then(
    (client) => {
      void client.close();
      return new Error('connected');
    },
    (err: Error) => err,
  );
  return error;
}

describe('wss:// on the lock port', () => {
  it('serves a client that trusts the CA: acquire and release, and advertises wss://', async () => {
    const broker = await startBroker({ transport: { tls: serverTls() } });
    expect(broker.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/);
    expect(broker.advertisedUrl).toBe(broker.url);
    const client = await startClient(broker.url, { tls: { ca: certs().ca.cert } });
    const lease = await client.acquire('billing/1');
    expect(lease.token).toBeGreaterThan(0);
    expect(
      await (
        await startClient(broker.url, { tls: { ca: certs().ca.cert } })
      ).tryAcquire('billing/1'),
    ).toBeNull();
    await lease.release();
    await freed(broker, 'billing/1');
  });

  it('refuses a client that does not trust the CA, and says why', async () => {
    const broker = await startBroker({ transport: { tls: serverTls() } });
    const error = await refusal(broker.url);
    expect(error.message).toMatch(/no broker answered at wss:\/\/.*certificate/);
  });

  it('is not spoken by a plain ws:// client', async () => {
    const broker = await startBroker({ transport: { tls: serverTls() } });
    const error = await refusal(broker.url.replace('wss:', 'ws:'));
    expect(error.message).toMatch(/no broker answered/);
  });

  it('takes the PEM text itself as well as file paths', async () => {
    const { cert, key } = certs().server;
    const broker = await startBroker({ transport: { tls: { cert, key } } });
    const client = await startClient(broker.url, { tls: { ca: Buffer.from(certs().ca.cert) } });
    expect(await client.tryAcquire('x')).not.toBeNull();
  });
});

describe('TLS files are checked at start', () => {
  const refusal = (transport: TransportOptions): string => {
    try {
      resolveBrokerOptions({ transport });
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };
  const refuse = (tls: TlsOptions): string => refusal({ tls });

  it('names the option and the file that is missing, not PEM, or does not fit', () => {
    const notPem = join(tempDir(), 'notes.txt');
    writeFileSync(notPem, 'hello');
    expect(refuse(serverTls({ cert: '/nonexistent/server.crt' }))).toMatch(
      /^transport\.tls\.cert: cannot read \/nonexistent\/server\.crt: ENOENT/,
    );
    expect(refuse(serverTls({ key: notPem }))).toBe(
      `transport.tls.key: ${notPem} is not a PEM file`,
    );
    // The client's key with the server's certificate.
    expect(refuse(serverTls({ key: certs().client.keyFile }))).toMatch(
      /^transport\.tls: the certificate, key or CA cannot be used: .*mismatch/,
    );
    expect(refuse({ cert: certs().server.certFile })).toBe('transport.tls needs both cert and key');
    expect(refuse(serverTls({ clientCert: 'require' }))).toMatch(/needs transport\.tls\.ca/);
    expect(refusal({ tls: serverTls(), advertiseUrl: 'ws://a:1' })).toBe(
      'transport.advertiseUrl must be wss:// when transport.tls is set',
    );
    expect(refuse(serverTls({ clientCert: 'always' as ClientCertMode }))).toMatch(
      /transport\.tls\.clientCert must be one of none, request, require/,
    );
  });

  it('keeps the private key out of anything that prints the options', () => {
    const resolved = resolveBrokerOptions({ transport: { tls: serverTls() }, admin: {} });
    expect(resolved.transport.tls?.key).toContain('PRIVATE KEY');
    expect(JSON.stringify(resolved)).not.toContain('PRIVATE KEY');
    expect(resolved.admin?.tls?.key).toBe(resolved.transport.tls?.key);
  });
});

/**
 * A gateway that opens a session for every hello and keeps the certificate
 * subject each connection had: what the auth code will map to a principal.
 */
async function gatewayAsking(clientCert: ClientCertMode): Promise<{
  url: string;
  subjects: (string | null)[];
}> {
  const subjects: (string | null)[] = [];
  let sessions = 0;
  const handler: GatewayHandler = {
    hello(conn) {
      subjects.push(conn.certSubject);
      welcomeAs(gateway, conn, `s${++sessions}`);
    },
    command: () => {},
  };
  const tls = resolveTlsOptions(
    'transport.tls',
    serverTls({ ca: certs().ca.certFile, clientCert }),
  );
  const options = { ...GATEWAY_TEST_OPTIONS, tls };
  const gateway = new WsGateway(options, systemTimer, handler, silentLogger);
  await gateway.listen();
  onTestFinished(() => gateway.close());
  return { url: `wss://127.0.0.1:${gateway.port}`, subjects };
}

/** A client with the given certificate (or none) that trusts the test CA. */
function clientTls(which: 'client' | 'rogue' | null): ClientTlsOptions {
  const ca = certs().ca.cert;
  if (which === null) return { ca };
  return { ca, cert: certs()[which].cert, key: certs()[which].key };
}

async function session(url: string, tls: ClientTlsOptions): Promise<BatonClient> {
  const client = await connect({ url, tls, connectTimeoutMs: 3_000 });
  onTestFinished(() => client.close());
  return client;
}

describe('client certificates', () => {
  it('with require: no certificate, or one the CA did not sign, gets no WebSocket', async () => {
    const { url, subjects } = await gatewayAsking('require');
    expect((await refusal(url, clientTls(null))).message).toMatch(
      // The server's alert, when it is read before the connection drops.
      /no broker answered .*\(last failure: wss:.*(certificate required|socket hang up|ECONNRESET)/,
    );
    expect((await refusal(url, clientTls('rogue'))).message).toMatch(/no broker answered/);
    // Neither got as far as a hello.
    expect(subjects).toEqual([]);
    await session(url, clientTls('client'));
    expect(subjects).toEqual([CLIENT_SUBJECT]);
  });

  it('with request: a client without a certificate connects with no subject; a bad one is refused', async () => {
    const { url, subjects } = await gatewayAsking('request');
    await session(url, clientTls(null));
    expect((await refusal(url, clientTls('rogue'))).message).toMatch(/no broker answered/);
    await session(url, clientTls('client'));
    expect(subjects).toEqual([null, CLIENT_SUBJECT]);
  });

  it('with none: a certificate the client shows is not asked for, and no subject is set', async () => {
    const { url, subjects } = await gatewayAsking('none');
    await session(url, clientTls('client'));
    expect(subjects).toEqual([null]);
  });
});

describe('the listener, plain or TLS', () => {
  it('fails to start on a port in use with the error, not a crash', async () => {
    const taken = await startBroker();
    await expect(startBroker({ transport: { port: taken.port } })).rejects.toThrow(/EADDRINUSE/);
    await expect(
      startBroker({ transport: { port: taken.port, tls: serverTls() } }),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it('answers a plain HTTP request with 426', async () => {
    const broker = await startBroker();
    const res = await fetch(broker.url.replace('ws:', 'http:'));
    expect(res.status).toBe(426);
  });
});
