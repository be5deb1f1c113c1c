import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '../../../server/core/secret-hash.js';
import { tempDir } from '../../helpers/harness.js';

/** A principal as a test writes it: its token in clear, and its grants. */
export interface TestPrincipal {
  name: string;
  token: string;
  allow: { prefix: string; rights: ('lock' | 'admin')[] }[];
}

export const BILLING: TestPrincipal = {
  name: 'billing-worker',
  token: 'billing-token',
  allow: [{ prefix: 'billing/', rights: ['lock'] }],
};
export const REPORTS: TestPrincipal = {
  name: 'reports-worker',
  token: 'reports-token',
  allow: [{ prefix: 'reports/', rights: ['lock'] }],
};
export const OPS: TestPrincipal = {
  name: 'ops',
  token: 'ops-token',
  allow: [{ prefix: '', rights: ['lock', 'admin'] }],
};

/** The text of an auth file for `principals`, one per line, tokens hashed. */
export function authFileText(principals: TestPrincipal[]): string {
  const lines = principals.map(({ name, token, allow }) =>
    JSON.stringify({ name, tokenSha256: sha256(token).toString('hex'), allow }),
  );
  return `{\n  "principals": [\n    ${lines.join(',\n    ')}\n  ]\n}\n`;
}

/** Writes an auth file in a temporary directory; `write` rewrites it (before a reload). */
export function authFile(principals: TestPrincipal[]): {
  file: string;
  write(next: TestPrincipal[] | string): void;
} {
  const file = join(tempDir(), 'auth.json');
  const write = (next: TestPrincipal[] | string): void =>
    writeFileSync(file, typeof next === 'string' ? next : authFileText(next));
  write(principals);
  return { file, write };
}
