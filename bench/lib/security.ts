/**
 * The secured modes: A and B run on an embedded broker with TLS, or with
 * auth, right after the plain embedded rows, so each row shows what TLS and
 * auth cost in the same run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientOptions } from '../../client/client-options.js';
import type { BrokerOptions } from '../../server/broker-options.js';
import { makeTestCerts } from '../../test/support/test-certs.js';

/** What a secured mode turns on over `embedded`. */
export interface Security {
  tls: boolean;
  auth: boolean;
}

/** Each secured mode by name; a new one (say TLS and auth together) is one more line. */
export const SECURED_MODES = {
  'embedded+tls': { tls: true, auth: false },
  'embedded+auth': { tls: false, auth: true },
} as const satisfies Record<string, Security>;

export type SecuredModeName = keyof typeof SECURED_MODES;
export const SECURED_MODE_NAMES = Object.keys(SECURED_MODES) as SecuredModeName[];

/** The broker's options for an auth file. */
export function brokerAuth(authFile: string): Partial<BrokerOptions> {
  return { auth: { file: authFile } };
}

/** The client's options carrying `token`. */
export function clientAuth(token: string): Partial<ClientOptions> {
  return { authToken: token };
}

/** What a secured broker and its drivers need, made once per bench run. */
export interface SecurityMaterial {
  /** The broker's certificate and key files (127.0.0.1), signed by `caPem`. */
  certFile: string;
  keyFile: string;
  caPem: string;
  /** An auth file with one principal that may lock anything, and its token. */
  authFile: string;
  token: string;
}

let made: Promise<SecurityMaterial> | null = null;

/** Certificates made with `openssl` (as the tests do) and an auth file, in a temp dir removed at exit. */
export function securityMaterial(): Promise<SecurityMaterial> {
  made ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-bench-tls-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    const certs = await makeTestCerts(dir);
    const token = randomBytes(24).toString('base64url');
    const authFile = join(dir, 'auth.json');
    const tokenSha256 = createHash('sha256').update(token).digest('hex');
    const principal = { name: 'bench', tokenSha256, allow: [{ prefix: '', rights: ['lock'] }] };
    writeFileSync(authFile, JSON.stringify({ principals: [principal] }));
    const { certFile, keyFile } = certs.server;
    return { certFile, keyFile, caPem: certs.ca.cert, authFile, token };
  })();
  return made;
}
