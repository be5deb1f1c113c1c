import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  addFenceColumn,
  addFenceColumnSql,
  fencedUpdate,
  fencedUpdateSql,
  quoteTableName,
} from '../../../client/fencing/index.js';
import { PostgresServer } from '../../helpers/postgres-server.js';

// The PostgreSQL guard: its SQL text, then against a throwaway cluster of its own.

describe('fencedUpdateSql', () => {
  it('writes the recipe with every value as a parameter and every name quoted', () => {
    const statement = fencedUpdateSql({
      table: 'app.jobs',
      where: { id: 7 },
      set: { status: 'done', result: '{"a":1}' },
      token: 42,
    });
    expect(statement.text).toBe(
      'UPDATE "app"."jobs" SET "status" = $2, "result" = $3, "fence" = $1' +
        ' WHERE "id" = $4 AND "fence" <= $1',
    );
    expect(statement.values).toEqual(['42', 'done', '{"a":1}', 7]);
  });

  it('refuses any name outside the rule, before any SQL is made', () => {
    const names = [
      'jobs; DROP TABLE jobs',
      'jobs"',
      '"jobs"',
      'a.b.c',
      '',
      '1jobs',
      'jo bs',
      'jöbs',
      'a'.repeat(64),
      'jobs--',
    ];
    for (const table of names) {
      expect(
        () => fencedUpdateSql({ table, where: { id: 1 }, set: { a: 1 }, token: 1 }),
        table,
      ).toThrow(/table must/);
    }
    const base = { table: 'jobs', token: 1 };
    expect(() => fencedUpdateSql({ ...base, where: { id: 1 }, set: { 'a = 1, b': 2 } })).toThrow(
      /set column/,
    );
    expect(() => fencedUpdateSql({ ...base, where: { 'id OR 1=1 --': 1 }, set: { a: 2 } })).toThrow(
      /where column/,
    );
    expect(() =>
      fencedUpdateSql({ ...base, where: { id: 1 }, set: { a: 2 }, fenceColumn: 'f"' }),
    ).toThrow(/fenceColumn/);
    expect(quoteTableName('a'.repeat(63))).toBe(`"${'a'.repeat(63)}"`);
  });

  it('refuses a statement that would do something else than the recipe', () => {
    const base = { table: 'jobs', token: 1 };
    expect(() => fencedUpdateSql({ ...base, where: { id: 1 }, set: {} })).toThrow(/set must name/);
    expect(() => fencedUpdateSql({ ...base, where: {}, set: { a: 1 } })).toThrow(/where must name/);
    expect(() => fencedUpdateSql({ ...base, where: { id: 1 }, set: { fence: 9 } })).toThrow(
      /fence column/,
    );
    expect(() => fencedUpdateSql({ ...base, where: { fence: 1 }, set: { a: 1 } })).toThrow(
      /fence column/,
    );
    expect(() => fencedUpdateSql({ ...base, where: { id: null }, set: { a: 1 } })).toThrow(/NULL/);
    for (const token of [0, -3, 2.5, Number.MAX_SAFE_INTEGER + 1, NaN]) {
      expect(() => fencedUpdateSql({ ...base, token, where: { id: 1 }, set: { a: 1 } })).toThrow(
        /token/,
      );
    }
  });

  it('adds a bigint fence column that starts at 0', () => {
    expect(addFenceColumnSql('jobs')).toBe(
      'ALTER TABLE "jobs" ADD COLUMN IF NOT EXISTS "fence" bigint NOT NULL DEFAULT 0',
    );
    expect(() => addFenceColumnSql('jobs', 'x; --')).toThrow(/fenceColumn/);
  });
});

describe('fencedUpdate against PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start();
  });
  afterAll(() => server?.stop());

  /** A fresh `docs` table with rows 1 and 2, fence column added by the kit. */
  async function docs(): Promise<pg.Client> {
    const db = await server.connect();
    onTestFinished(() => db.end());
    await db.query('DROP TABLE IF EXISTS docs');
    await db.query('CREATE TABLE docs (id integer PRIMARY KEY, body text NOT NULL)');
    await db.query("INSERT INTO docs VALUES (1, 'one'), (2, 'two')");
    await addFenceColumn(db, { table: 'docs' });
    await addFenceColumn(db, { table: 'docs' }); // again: harmless
    return db;
  }

  const row = async (db: pg.Client, id: number): Promise<{ body: string; fence: string }> =>
    (
      await db.query<{ body: string; fence: string }>(
        'SELECT body, fence FROM docs WHERE id = $1',
        [id],
      )
    ).rows[0]!;

  it('takes the first token and larger or equal ones, refuses smaller ones and keeps the row', async () => {
    const db = await docs();
    const write = (token: number, body: string): Promise<{ accepted: boolean }> =>
      fencedUpdate(db, { table: 'docs', where: { id: 1 }, set: { body }, token });
    expect(await write(10, 'a')).toEqual({ accepted: true });
    expect(await write(12, 'b')).toEqual({ accepted: true });
    expect(await write(12, 'c')).toEqual({ accepted: true });
    expect(await write(11, 'stale')).toEqual({ accepted: false });
    expect(await row(db, 1)).toEqual({ body: 'c', fence: '12' });
    // Each row has its own fence.
    expect(
      await fencedUpdate(db, { table: 'docs', where: { id: 2 }, set: { body: 'x' }, token: 3 }),
    ).toEqual({
      accepted: true,
    });
  });

  it('compares tokens near 2^53 exactly', async () => {
    const db = await docs();
    const max = Number.MAX_SAFE_INTEGER;
    expect(
      (
        await fencedUpdate(db, {
          table: 'docs',
          where: { id: 1 },
          set: { body: 'top' },
          token: max,
        })
      ).accepted,
    ).toBe(true);
    expect(
      (
        await fencedUpdate(db, {
          table: 'docs',
          where: { id: 1 },
          set: { body: 'no' },
          token: max - 1,
        })
      ).accepted,
    ).toBe(false);
    expect(await row(db, 1)).toEqual({ body: 'top', fence: String(max) });
  });

  it('says not accepted for a row that does not exist', async () => {
    const db = await docs();
    expect(
      await fencedUpdate(db, { table: 'docs', where: { id: 99 }, set: { body: 'x' }, token: 5 }),
    ).toEqual({
      accepted: false,
    });
  });

  it('keeps a hostile value a value', async () => {
    const db = await docs();
    const body = "'); DROP TABLE docs; --";
    expect(
      (await fencedUpdate(db, { table: 'docs', where: { id: 1 }, set: { body }, token: 5 }))
        .accepted,
    ).toBe(true);
    expect((await row(db, 1)).body).toBe(body);
  });

  it('lets a stale update that waited on a newer one’s row lock match nothing once that one commits', async () => {
    const db = await docs();
    const other = await server.connect();
    onTestFinished(() => other.end());
    await db.query('BEGIN');
    expect(
      (await fencedUpdate(db, { table: 'docs', where: { id: 1 }, set: { body: 'new' }, token: 20 }))
        .accepted,
    ).toBe(true);
    // Blocks on the row lock: PostgreSQL checks its WHERE again against the committed row.
    const stale = fencedUpdate(other, {
      table: 'docs',
      where: { id: 1 },
      set: { body: 'old' },
      token: 19,
    });
    const settled = await Promise.race([
      stale.then(() => 'settled'),
      sleep(300).then(() => 'waiting'),
    ]);
    expect(settled).toBe('waiting');
    await db.query('COMMIT');
    expect(await stale).toEqual({ accepted: false });
    expect(await row(db, 1)).toEqual({ body: 'new', fence: '20' });
  });

  it('runs through a pool as well as a client', async () => {
    const db = await docs();
    const { default: pgModule } = await import('pg');
    const pool = new pgModule.Pool({ connectionString: server.url, max: 2 });
    onTestFinished(() => pool.end());
    expect(
      (
        await fencedUpdate(pool, {
          table: 'public.docs',
          where: { id: 2 },
          set: { body: 'p' },
          token: 8,
        })
      ).accepted,
    ).toBe(true);
    expect((await row(db, 2)).body).toBe('p');
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
