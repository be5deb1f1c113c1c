import { InvalidOptionError } from '../../shared/errors.js';
import { assertFencingToken } from './fencing-token.js';
import { quoteIdentifier, quoteTableName } from './sql-identifier.js';

/**
 * The one call of node-postgres the guard needs: a `pg.Client`, a `pg.Pool`
 * or a pool's client all have it. The guard depends on no PostgreSQL package.
 */
export interface PgQueryRunner {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}

export interface FencedUpdateOptions {
  /** The table, as `name` or `schema.name`. */
  table: string;
  /** Which row: column → value, all compared with `=` (a primary key, say `{ id: 7 }`). */
  where: Readonly<Record<string, unknown>>;
  /** The columns to write: column → value. */
  set: Readonly<Record<string, unknown>>;
  /** The writer's fencing token (`lease.token`). */
  token: number;
  /** The `bigint` column holding the largest token that wrote the row. Default `fence`. */
  fenceColumn?: string;
}

/** The text and parameters of one statement, for `query(text, values)`. */
export interface SqlStatement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * The recipe, as SQL: `UPDATE t SET …, fence = $token WHERE <row> AND fence
 * <= $token`. PostgreSQL checks and writes the row under its row lock, so a
 * concurrent update with a larger token either lands first (and this one
 * then matches nothing) or waits for this one.
 */
export function fencedUpdateSql(o: FencedUpdateOptions): SqlStatement {
  assertFencingToken(o.token);
  const table = quoteTableName(o.table);
  const fence = quoteIdentifier(o.fenceColumn ?? 'fence', 'fenceColumn');
  const set = columnsOf(o.set, 'set', fence);
  const where = columnsOf(o.where, 'where', fence);
  const values: unknown[] = [];
  const param = (value: unknown): string => `$${values.push(value)}`;
  // Passed as text: node-postgres would send a number the same way, and PostgreSQL reads it as bigint.
  const token = param(String(o.token));
  const assignments = set.map(([column, value]) => `${column} = ${param(value)}`);
  const conditions = where.map(([column, value]) => {
    if (value === null || value === undefined) {
      throw new InvalidOptionError(`where.${column} must be a value: "= NULL" matches no row`);
    }
    return `${column} = ${param(value)}`;
  });
  const text =
    `UPDATE ${table} SET ${[...assignments, `${fence} = ${token}`].join(', ')}` +
    ` WHERE ${[...conditions, `${fence} <= ${token}`].join(' AND ')}`;
  return { text, values };
}

/**
 * Runs {@link fencedUpdateSql}. `accepted` is false when the row holds a
 * larger token, and also when no row matched `where` (the statement cannot
 * tell the two apart: create rows first, with the fence column at 0).
 */
export async function fencedUpdate(
  db: PgQueryRunner,
  o: FencedUpdateOptions,
): Promise<{ accepted: boolean }> {
  const { text, values } = fencedUpdateSql(o);
  const result = await db.query(text, values);
  return { accepted: (result.rowCount ?? 0) > 0 };
}

/**
 * `ALTER TABLE t ADD COLUMN IF NOT EXISTS fence bigint NOT NULL DEFAULT 0`:
 * existing and new rows start at 0, below every token, so the first fenced
 * write to each is accepted. `bigint`, because tokens pass 2^31.
 */
export function addFenceColumnSql(table: string, fenceColumn = 'fence'): string {
  const column = quoteIdentifier(fenceColumn, 'fenceColumn');
  return `ALTER TABLE ${quoteTableName(table)} ADD COLUMN IF NOT EXISTS ${column} bigint NOT NULL DEFAULT 0`;
}

/** Runs {@link addFenceColumnSql}; harmless when the column is there already. */
export async function addFenceColumn(
  db: PgQueryRunner,
  o: { table: string; fenceColumn?: string },
): Promise<void> {
  await db.query(addFenceColumnSql(o.table, o.fenceColumn));
}

/** The entries of `set` or `where`, names quoted; at least one, never the fence column. */
function columnsOf(
  record: Readonly<Record<string, unknown>>,
  what: 'set' | 'where',
  fence: string,
): [string, unknown][] {
  if (typeof record !== 'object' || record === null) {
    throw new InvalidOptionError(`${what} must be an object of column → value`);
  }
  const entries = Object.entries(record).map(([name, value]): [string, unknown] => [
    quoteIdentifier(name, `${what} column`),
    value,
  ]);
  if (entries.length === 0) throw new InvalidOptionError(`${what} must name at least one column`);
  if (entries.some(([column]) => column === fence)) {
    throw new InvalidOptionError(`${what} must not name the fence column: the guard writes it`);
  }
  return entries;
}
