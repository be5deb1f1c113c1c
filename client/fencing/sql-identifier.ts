import { InvalidOptionError } from '../../shared/errors.js';

/**
 * One rule for every table and column name the PostgreSQL guard writes into
 * SQL: ASCII letters, digits and `_`, not starting with a digit, at most 63
 * characters (PostgreSQL's limit), then double-quoted. Nothing a caller
 * passes can close the quotes, so no name can carry SQL; values never go into
 * the text at all, only as parameters.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Quotes a column name, or throws `INVALID_OPTION` naming `what`. Quoted
 * names match exactly: a table made with `CREATE TABLE Jobs` is stored as
 * `jobs`, and must be named so.
 */
export function quoteIdentifier(name: unknown, what: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
    throw new InvalidOptionError(
      `${what} must be a plain SQL name (letters, digits, _; at most 63), got ${describe(name)}`,
    );
  }
  return `"${name}"`;
}

/** Quotes `table` or `schema.table`, each part under {@link quoteIdentifier}'s rule. */
export function quoteTableName(name: unknown, what = 'table'): string {
  const parts = typeof name === 'string' ? name.split('.') : [name];
  if (parts.length > 2) throw new InvalidOptionError(`${what} must be "table" or "schema.table"`);
  return parts.map((part) => quoteIdentifier(part, what)).join('.');
}

/** Echoes a short, printable form of a rejected name; it may be hostile. */
function describe(value: unknown): string {
  if (typeof value !== 'string') return `a ${typeof value}`;
  return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
}
