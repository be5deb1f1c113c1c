import { describe, expect, it } from 'vitest';
import { AccessTable, underAny } from '../../../server/auth/access-table.js';
import { sha256 } from '../../../server/core/secret-hash.js';
import { AuthFileError, parseAuthFile } from '../../../server/auth/auth-file.js';
import { lineColumn, locateJson } from '../../../server/auth/json-locator.js';

const hash = (token: string): string => sha256(token).toString('hex');

/** An auth file's text, one principal per line block, as people write them. */
function fileOf(principals: unknown[]): string {
  return `{\n  "principals": [\n${principals.map((p) => `    ${JSON.stringify(p)}`).join(',\n')}\n  ]\n}\n`;
}

const billing = {
  name: 'billing-worker',
  tokenSha256: hash('billing-secret'),
  allow: [{ prefix: 'billing/', rights: ['lock'] }],
};
const ops = {
  name: 'ops',
  tokenSha256: hash('ops-secret').toUpperCase(),
  allow: [{ prefix: '', rights: ['lock', 'admin'] }],
};

/** The message of the error `parseAuthFile` throws for `text`. */
function refusal(text: string): string {
  try {
    parseAuthFile(text, 'auth.json');
  } catch (err) {
    expect(err).toBeInstanceOf(AuthFileError);
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('the auth file', () => {
  it('reads principals, with hashes in lower case', () => {
    const entries = parseAuthFile(fileOf([billing, ops]), 'auth.json');
    expect(entries.map((e) => e.name)).toEqual(['billing-worker', 'ops']);
    expect(entries[1]?.tokenSha256).toBe(hash('ops-secret'));
    expect(entries[0]?.allow).toEqual([{ prefix: 'billing/', rights: ['lock'] }]);
  });

  it('names the line and column of a JSON syntax error', () => {
    const text = '{\n  "principals": [\n    { "name": "a", }\n  ]\n}\n';
    expect(refusal(text)).toMatch(/^auth\.json:3:20: not valid JSON/);
    expect(refusal('{ "principals": [')).toMatch(/^auth\.json:1:18: not valid JSON/);
  });

  it.each([
    [
      'an unknown key',
      { ...billing, role: 'x' },
      /4:\d+: principals\[1\] \("billing-worker"\): unknown key "role"/,
    ],
    ['bad hex', { ...billing, tokenSha256: 'abc' }, /4:\d+: .*"tokenSha256" must be 64 hex digits/],
    [
      'no credential',
      { name: 'x', allow: billing.allow },
      /4:5: principals\[1\] \("x"\): needs a "tokenSha256" or a "certSubject"/,
    ],
    [
      'empty rights',
      { ...billing, allow: [{ prefix: 'a/', rights: [] }] },
      /4:\d+: .*allow\[0\]\.rights must list/,
    ],
    [
      'an unknown right',
      { ...billing, allow: [{ prefix: 'a/', rights: ['read'] }] },
      /allow\[0\]\.rights\[0\] must be "lock" or "admin"/,
    ],
    [
      'a right twice',
      { ...billing, allow: [{ prefix: 'a/', rights: ['lock', 'lock'] }] },
      /names "lock" twice/,
    ],
    ['no allow', { name: 'x', tokenSha256: hash('x') }, /"allow" must list at least one/],
    [
      'an unknown allow key',
      { ...billing, allow: [{ prefix: 'a/', rights: ['lock'], x: 1 }] },
      /allow\[0\]: unknown key "x"/,
    ],
    [
      'a prefix that is not a string',
      { ...billing, allow: [{ prefix: 3, rights: ['lock'] }] },
      /allow\[0\]\.prefix must be a string/,
    ],
    ['an empty name', { ...billing, name: '' }, /principals\[1\]: "name" must be a string/],
  ])('refuses %s, naming the principal and its line', (_what, bad, message) => {
    expect(refusal(fileOf([ops, bad]))).toMatch(message);
  });

  it('refuses a name, a hash or a certificate subject used twice', () => {
    const twin = { ...billing, tokenSha256: hash('other') };
    expect(refusal(fileOf([billing, ops, twin]))).toMatch(
      /^auth\.json:5:\d+: principals\[2\] \("billing-worker"\): the name is used twice/,
    );
    const sameHash = { ...ops, name: 'ops2' };
    expect(refusal(fileOf([ops, sameHash]))).toMatch(/4:\d+: .*same tokenSha256/);
    const a = { name: 'a', certSubject: 'CN=w', allow: billing.allow };
    expect(refusal(fileOf([a, { ...a, name: 'b' }]))).toMatch(/same certSubject/);
  });

  it('refuses a document that is not { "principals": [...] }', () => {
    expect(refusal('[]')).toMatch(/^auth\.json:1:1: the file must be/);
    expect(refusal('{ "principals": [], "x": 1 }')).toMatch(/unknown key "x"/);
    expect(refusal('{ "principals": [], "__proto__": {} }')).toMatch(/unknown key "__proto__"/);
  });
});

describe('the JSON locator', () => {
  it('finds every value by its path, and agrees with JSON.parse on what is JSON', () => {
    const text = '{"a": [1, {"b": "x\\"y"}], "c": null}';
    const { values, error } = locateJson(text);
    expect(error).toBeNull();
    expect(text.slice(values.get('a[1].b')!)).toMatch(/^"x\\"y"/);
    expect(text.slice(values.get('c')!)).toMatch(/^null/);
    for (const bad of ['{"a":}', '[1,]', '"\u0001"', '01', '{"a" 1}', '[1] 2', '', '{"a":"\\x"}']) {
      expect(() => JSON.parse(bad), bad).toThrow();
      expect(locateJson(bad).error, bad).not.toBeNull();
    }
    for (const good of ['-0.5e+3', '"\\u00e9"', ' [ ] ', '{"":{}}', 'true']) {
      expect(locateJson(good).error, good).toBeNull();
    }
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toBe('1:1');
    expect(lineColumn('ab\ncd', 4)).toBe('2:2');
  });
});

describe('the access table', () => {
  const table = new AccessTable(
    parseAuthFile(
      fileOf([
        {
          ...billing,
          allow: [
            { prefix: 'billing/', rights: ['lock'] },
            { prefix: 'billing/eu/', rights: ['lock', 'admin'] },
          ],
        },
        ops,
        {
          name: 'cert-worker',
          certSubject: 'CN=worker-1',
          allow: [{ prefix: 'jobs/', rights: ['lock'] }],
        },
      ]),
      'auth.json',
    ),
  );

  it('finds a principal by the hash of its token, and none for a wrong token', () => {
    expect(table.byToken('billing-secret')?.name).toBe('billing-worker');
    expect(table.byToken('ops-secret')?.name).toBe('ops');
    expect(table.byToken('billing-secret ')).toBeNull();
    expect(table.byToken(hash('billing-secret'))).toBeNull();
  });

  it('keeps each right to the prefixes no other one covers', () => {
    const p = table.principal('billing-worker')!;
    expect(p.lock).toEqual(['billing/']);
    expect(p.admin).toEqual(['billing/eu/']);
    expect(underAny(p.lock, 'billing/eu/1')).toBe(true);
    expect(underAny(p.lock, 'billingX')).toBe(false);
    expect(underAny(table.principal('ops')!.lock, 'anything')).toBe(true);
  });

  it('takes a token before a certificate, and a certificate alone', () => {
    expect(table.authenticate(null, 'CN=worker-1')?.name).toBe('cert-worker');
    expect(table.authenticate('wrong', 'CN=worker-1')).toBeNull();
    expect(table.authenticate('ops-secret', 'CN=worker-1')?.name).toBe('ops');
    expect(table.authenticate(null, 'CN=someone-else')).toBeNull();
    expect(table.authenticate(null, null)).toBeNull();
  });
});
