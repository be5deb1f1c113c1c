import { get } from 'node:https';
import { describe, expect, it } from 'vitest';
import { useTestCerts } from '../../helpers/certs.js';
import { CLI, spawnBroker, spawnNode, tempDir } from '../../helpers/harness.js';

const certs = useTestCerts();

/** A CLI broker serving wss:// and https:// with the test server certificate. */
async function tlsBroker(extraArgs: string[] = []) {
  const { certFile, keyFile } = certs().server;
  const broker = await spawnBroker(tempDir(), [
    ...['--admin-port', '0', '--tls-cert', certFile, '--tls-key', keyFile, ...extraArgs],
  ]);
  const [, adminUrl] = await broker.waitForLine(/^console: (https:\/\/\S+)\/$/);
  return { ...broker, adminUrl: adminUrl as string };
}

/** Runs `baton args…` and resolves with its exit code and output. */
async function baton(args: string[]) {
  const child = spawnNode([CLI, ...args], { BATON_ADMIN_TOKEN: '', BATON_TLS_CA: '' });
  const { code } = await child.exited;
  return { code, output: child.lines.join('\n') };
}

/** GET over https trusting only the test CA. */
function httpsGet(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('the CLI against a TLS broker', () => {
  it('serves the admin API over https with the same certificate', async () => {
    const broker = await tlsBroker();
    expect(broker.url).toMatch(/^wss:\/\//);
    const health = await httpsGet(`${broker.adminUrl}/healthz`, certs().ca.cert);
    expect(health).toEqual({ status: 200, body: '{"ok":true}' });
  });

  it('baton status and baton run trust a private CA given with --tls-ca, and say why without it', async () => {
    const broker = await tlsBroker();
    const ca = certs().ca.certFile;
    const ok = await baton(['status', '--admin-url', broker.adminUrl, '--tls-ca', ca]);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/^broker +wss:\/\//m);
    const refused = await baton(['status', '--admin-url', broker.adminUrl]);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/cannot reach the admin server at https:.*certificate/);

    const untrusted = await baton(['run', 'jobs/1', '--url', broker.url, '--', 'true']);
    expect(untrusted.code).toBe(5);
    expect(untrusted.output).toMatch(
      /cannot reach the broker at wss:.*TLS: the server's certificate is not trusted \([A-Z_]+\); give its CA with --tls-ca/,
    );

    const command = ['node', '-e', 'console.log("token " + process.env.BATON_TOKEN)'];
    const ran = await baton([
      'run',
      'jobs/1',
      '--url',
      broker.url,
      '--tls-ca',
      ca,
      '--',
      ...command,
    ]);
    expect(ran.code, ran.output).toBe(0);
    expect(ran.output).toMatch(/^token \d+$/m);
    const missing = await baton([
      'run',
      'jobs/1',
      '--url',
      broker.url,
      '--tls-ca',
      '/nonexistent/ca.crt',
      '--',
      'true',
    ]);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--tls-ca: cannot read \/nonexistent\/ca\.crt/);
  });

  it('baton run shows a client certificate to a broker that requires one', async () => {
    const { ca, client } = certs();
    const broker = await tlsBroker(['--tls-ca', ca.certFile, '--tls-client-cert', 'require']);
    const command = ['--', 'node', '-e', ''];
    const without = await baton([
      'run',
      'p',
      '--url',
      broker.url,
      '--tls-ca',
      ca.certFile,
      ...command,
    ]);
    expect(without.code).toBe(5);
    expect(without.output).toMatch(
      /cannot reach the broker at wss:.*(requires a client certificate|socket hang up|ECONNRESET)/,
    );
    const withCert = await baton([
      ...['run', 'p', '--url', broker.url, '--tls-ca', ca.certFile],
      ...['--tls-cert', client.certFile, '--tls-key', client.keyFile, ...command],
    ]);
    expect(withCert.code, withCert.output).toBe(0);
  });

  it('refuses to start with a TLS file it cannot read, naming it', async () => {
    const child = spawnNode([
      ...[CLI, 'server', '--port', '0', '--data-dir', tempDir(), '--no-admin'],
      ...['--tls-cert', '/nonexistent/server.crt', '--tls-key', certs().server.keyFile],
    ]);
    const { code } = await child.exited;
    expect(code).toBe(2);
    expect(child.lines.join('\n')).toMatch(
      /--tls-cert: transport\.tls\.cert: cannot read \/nonexistent\/server\.crt/,
    );
  });
});
