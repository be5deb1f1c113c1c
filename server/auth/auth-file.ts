import { readFileSync } from 'node:fs';
import { hasControlChars } from '../../shared/control-chars.js';
import { lineColumn, locateJson } from './json-locator.js';

/** What a principal may do under a prefix. */
export type Right = 'lock' | 'admin';

/** One principal as the auth file states it, checked. */
export interface PrincipalEntry {
  readonly name: string;
  /** Lower-case hex SHA-256 of its token; null for a certificate-only principal. */
  readonly tokenSha256: string | null;
  readonly certSubject: string | null;
  readonly allow: readonly { readonly prefix: string; readonly rights: readonly Right[] }[];
}

/** An auth file that cannot be used; the message names the file, the line and what is wrong. */
export class AuthFileError extends Error {
  override name = 'AuthFileError';
}

const PRINCIPAL_KEYS = new Set(['name', 'tokenSha256', 'certSubject', 'allow']);
const ALLOW_KEYS = new Set(['prefix', 'rights']);
const RIGHTS: ReadonlySet<unknown> = new Set<Right>(['lock', 'admin']);
const MAX_NAME_CHARS = 128;
const MAX_SUBJECT_CHARS = 1024;
/** As long as the longest lock path: a longer prefix could match nothing. */
const MAX_PREFIX_BYTES = 512;

/** Reads and checks the auth file at `file`; throws an {@link AuthFileError}. */
export function readAuthFile(file: string): PrincipalEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AuthFileError(`cannot read the auth file ${file}: ${(err as Error).message}`);
  }
  return parseAuthFile(text, file);
}

/**
 * Checks the text of an auth file strictly: unknown keys, bad hex, duplicate
 * names, hashes or subjects, empty rights are all refused, each with the
 * `file:line:column` of the value at fault.
 */
export function parseAuthFile(text: string, file: string): PrincipalEntry[] {
  const where = locateJson(text);
  if (where.error) {
    const at = lineColumn(text, where.error.offset);
    throw new AuthFileError(`${file}:${at}: not valid JSON: ${where.error.message}`);
  }
  const doc: unknown = JSON.parse(text);
  const refuse = (path: string, message: string): never => {
    const at = lineColumn(text, where.values.get(path) ?? 0);
    throw new AuthFileError(`${file}:${at}: ${message}`);
  };
  if (!isObject(doc) || !Array.isArray(doc.principals)) {
    return refuse('', 'the file must be { "principals": [ … ] }');
  }
  for (const key of Object.keys(doc)) {
    if (key !== 'principals') refuse(key, `unknown key "${key}" (only "principals")`);
  }
  const entries: PrincipalEntry[] = [];
  const seen = { names: new Set<string>(), hashes: new Set<string>(), subjects: new Set<string>() };
  doc.principals.forEach((raw: unknown, i: number) => {
    const path = `principals[${i}]`;
    const entry = readPrincipal(raw, path, refuse);
    const who = `${path} ("${entry.name}")`;
    if (seen.names.has(entry.name)) refuse(`${path}.name`, `${who}: the name is used twice`);
    if (entry.tokenSha256 !== null && seen.hashes.has(entry.tokenSha256)) {
      refuse(`${path}.tokenSha256`, `${who}: another principal has the same tokenSha256`);
    }
    if (entry.certSubject !== null && seen.subjects.has(entry.certSubject)) {
      refuse(`${path}.certSubject`, `${who}: another principal has the same certSubject`);
    }
    seen.names.add(entry.name);
    if (entry.tokenSha256 !== null) seen.hashes.add(entry.tokenSha256);
    if (entry.certSubject !== null) seen.subjects.add(entry.certSubject);
    entries.push(entry);
  });
  return entries;
}

type Refuse = (path: string, message: string) => never;

function readPrincipal(raw: unknown, path: string, refuse: Refuse): PrincipalEntry {
  if (!isObject(raw)) return refuse(path, `${path} must be an object`);
  const name = raw.name;
  if (typeof name !== 'string' || name === '' || name.length > MAX_NAME_CHARS) {
    return refuse(
      `${path}.name`,
      `${path}: "name" must be a string of 1 to ${MAX_NAME_CHARS} characters`,
    );
  }
  const who = `${path} ("${name}")`;
  if (hasControlChars(name))
    refuse(`${path}.name`, `${who}: "name" may not hold control characters`);
  for (const key of Object.keys(raw)) {
    if (!PRINCIPAL_KEYS.has(key)) {
      refuse(
        `${path}.${key}`,
        `${who}: unknown key "${key}" (name, tokenSha256, certSubject, allow)`,
      );
    }
  }
  const { tokenSha256 = null, certSubject = null } = raw;
  if (
    tokenSha256 !== null &&
    (typeof tokenSha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(tokenSha256))
  ) {
    refuse(
      `${path}.tokenSha256`,
      `${who}: "tokenSha256" must be 64 hex digits (the SHA-256 of the token)`,
    );
  }
  if (
    certSubject !== null &&
    (typeof certSubject !== 'string' ||
      certSubject === '' ||
      certSubject.length > MAX_SUBJECT_CHARS)
  ) {
    refuse(
      `${path}.certSubject`,
      `${who}: "certSubject" must be a string of 1 to ${MAX_SUBJECT_CHARS} characters`,
    );
  }
  if (tokenSha256 === null && certSubject === null) {
    refuse(path, `${who}: needs a "tokenSha256" or a "certSubject"`);
  }
  if (!Array.isArray(raw.allow) || raw.allow.length === 0) {
    return refuse(
      raw.allow === undefined ? path : `${path}.allow`,
      `${who}: "allow" must list at least one { "prefix", "rights" }`,
    );
  }
  const allow = raw.allow.map((a: unknown, j: number) =>
    readAllow(a, `${path}.allow[${j}]`, who, refuse),
  );
  return {
    name,
    tokenSha256: tokenSha256 === null ? null : (tokenSha256 as string).toLowerCase(),
    certSubject: certSubject as string | null,
    allow,
  };
}

function readAllow(
  raw: unknown,
  path: string,
  who: string,
  refuse: Refuse,
): PrincipalEntry['allow'][number] {
  const rel = path.slice(path.indexOf('.') + 1);
  if (!isObject(raw)) return refuse(path, `${who}: ${rel} must be { "prefix", "rights" }`);
  for (const key of Object.keys(raw)) {
    if (!ALLOW_KEYS.has(key))
      refuse(`${path}.${key}`, `${who}: ${rel}: unknown key "${key}" (prefix, rights)`);
  }
  const { prefix, rights } = raw;
  if (
    typeof prefix !== 'string' ||
    Buffer.byteLength(prefix) > MAX_PREFIX_BYTES ||
    hasControlChars(prefix)
  ) {
    return refuse(
      raw.prefix === undefined ? path : `${path}.prefix`,
      `${who}: ${rel}.prefix must be a string of at most ${MAX_PREFIX_BYTES} bytes without control characters ("" is every path)`,
    );
  }
  if (!Array.isArray(rights) || rights.length === 0) {
    return refuse(
      raw.rights === undefined ? path : `${path}.rights`,
      `${who}: ${rel}.rights must list "lock", "admin" or both`,
    );
  }
  rights.forEach((r: unknown, k: number) => {
    if (!RIGHTS.has(r))
      refuse(`${path}.rights[${k}]`, `${who}: ${rel}.rights[${k}] must be "lock" or "admin"`);
    if (rights.indexOf(r) !== k)
      refuse(`${path}.rights[${k}]`, `${who}: ${rel}.rights names "${r as string}" twice`);
  });
  return { prefix, rights: rights as Right[] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
