import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { makeTestCerts, type TestCerts } from '../support/test-certs.js';

/**
 * Test certificates made once for the file (openssl takes a moment), in a
 * temporary directory removed afterwards. Read `certs()` inside the tests.
 */
export function useTestCerts(): () => TestCerts {
  let made: TestCerts | null = null;
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'baton-certs-'));
    made = await makeTestCerts(dir);
  }, 30_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return () => {
    if (made === null) throw new Error('test certificates are made in beforeAll');
    return made;
  };
}
