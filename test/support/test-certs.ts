import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A key pair on disk: file paths and the PEM text of each. */
export interface CertFiles {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** What {@link makeTestCerts} writes. */
export interface TestCerts {
  /** The test CA: signs `server` and `client`. */
  ca: CertFiles;
  /** For `127.0.0.1` and `localhost` (SAN), signed by `ca`. */
  server: CertFiles;
  /** Subject `CN=billing-worker,O=acme`, signed by `ca`. */
  client: CertFiles;
  /** The same subject, self-signed: what a client without the CA's blessing shows. */
  rogue: CertFiles;
}

/** The subject of `client` (and `rogue`) in the form the broker reports it. */
export const CLIENT_SUBJECT = 'CN=billing-worker,O=acme';

/**
 * Makes a throwaway CA and certificates in `dir` with the `openssl` CLI, so
 * no private key is ever committed. EC keys: fast to make. Valid two days.
 * Shared by the tests and the bench; knows nothing of vitest.
 */
export async function makeTestCerts(dir: string): Promise<TestCerts> {
  const files = (name: string): CertFiles => ({
    certFile: join(dir, `${name}.crt`),
    keyFile: join(dir, `${name}.key`),
    cert: '',
    key: '',
  });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const selfSigned = async (f: CertFiles, subject: string, ext: string[]): Promise<void> => {
    await run('openssl', [
      ...['req', '-x509', ...newKey, '-keyout', f.keyFile, '-out', f.certFile],
      ...['-days', '2', '-subj', subject, ...ext.flatMap((e) => ['-addext', e])],
    ]);
  };
  const signed = async (f: CertFiles, subject: string, ext: string[]): Promise<void> => {
    const csr = `${f.certFile}.csr`;
    const extFile = `${f.certFile}.ext`;
    writeFileSync(extFile, ext.join('\n') + '\n');
    await run('openssl', [
      'req',
      '-new',
      ...newKey,
      '-keyout',
      f.keyFile,
      '-out',
      csr,
      '-subj',
      subject,
    ]);
    await run('openssl', [
      ...['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile],
      ...[
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        '2',
        '-out',
        f.certFile,
        '-extfile',
        extFile,
      ],
    ]);
  };
  const ca = files('ca');
  await selfSigned(ca, '/CN=baton test CA', [
    'basicConstraints=critical,CA:TRUE',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const server = files('server');
  const client = files('client');
  const rogue = files('rogue');
  await Promise.all([
    signed(server, '/CN=localhost', [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'extendedKeyUsage=serverAuth',
    ]),
    signed(client, '/O=acme/CN=billing-worker', ['extendedKeyUsage=clientAuth']),
    selfSigned(rogue, '/O=acme/CN=billing-worker', ['extendedKeyUsage=clientAuth']),
  ]);
  for (const f of [ca, server, client, rogue]) {
    f.cert = readFileSync(f.certFile, 'utf8');
    f.key = readFileSync(f.keyFile, 'utf8');
  }
  return { ca, server, client, rogue };
}
