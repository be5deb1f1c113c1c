import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { addFenceColumn, fenceMiddleware } from '../../../client/fencing/index.js';
import {
  FENCED_NAMES,
  fencingViolations,
  runPausedHolder,
  type FencedStore,
} from '../../helpers/fenced-holders.js';
import { PostgresServer } from '../../helpers/postgres-server.js';
import { RedisProcess } from '../../helpers/redis-server.js';

// Each guard against a real store and real processes: a holder stopped past
// its session TTL wakes up and writes with its old token after a newer
// holder wrote. The same run against a guard that compares nothing must fail
// the same checker, or the checker proves nothing.

type Variant = FencedStore['variant'];
const { redisKey: REDIS_KEY, pgTable: PG_TABLE, pgRowId: PG_ROW_ID } = FENCED_NAMES;

async function redisStore(variant: Variant): Promise<FencedStore> {
  const server = await RedisProcess.start();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 2 });
  onTestFinished(() => redis.disconnect());
  return { kind: 'redis', target: server.url, variant, read: () => redis.get(REDIS_KEY) };
}

let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await PostgresServer.start();
});
afterAll(() => postgres?.stop());

async function postgresStore(variant: Variant): Promise<FencedStore> {
  const db = await postgres.connect();
  onTestFinished(() => db.end());
  await db.query(`DROP TABLE IF EXISTS ${PG_TABLE}`);
  await db.query(`CREATE TABLE ${PG_TABLE} (id integer PRIMARY KEY, body text NOT NULL)`);
  await addFenceColumn(db, { table: PG_TABLE });
  await db.query(`INSERT INTO ${PG_TABLE} (id, body) VALUES ($1, 'initial')`, [PG_ROW_ID]);
  const read = async (): Promise<string | null> => {
    const { rows } = await db.query<{ body: string }>(
      `SELECT body FROM ${PG_TABLE} WHERE id = $1`,
      [PG_ROW_ID],
    );
    return rows[0]?.body ?? null;
  };
  return { kind: 'postgres', target: postgres.url, variant, read };
}

/** A document service: PUT stores the body, behind the real middleware or one that passes all. */
async function httpStore(variant: Variant): Promise<FencedStore> {
  let value: string | null = null;
  type Next = () => void;
  const guard =
    variant === 'real'
      ? fenceMiddleware()
      : (_req: IncomingMessage, _res: ServerResponse, next: Next): void => next();
  const server = createServer((req, res) => {
    guard(req, res, () => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        value = body;
        res.statusCode = 204;
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const target = `http://127.0.0.1:${port}/docs/1`;
  return { kind: 'http', target, variant, read: async () => value };
}

const stores = { redis: redisStore, postgres: postgresStore, http: httpStore } as const;

describe.each(Object.keys(stores) as (keyof typeof stores)[])(
  'a holder paused past its lease, writing through the %s guard',
  (kind) => {
    it('is refused, and the newer holder’s value stays', { timeout: 40_000 }, async () => {
      const outcome = await runPausedHolder(await stores[kind]('real'));
      expect(fencingViolations(outcome)).toEqual([]);
    });

    it(
      'gets through a guard that compares nothing, and the checker says so',
      { timeout: 40_000 },
      async () => {
        const outcome = await runPausedHolder(await stores[kind]('broken'));
        const problems = fencingViolations(outcome);
        expect(problems).toContain("the paused holder's late write was accepted");
        expect(outcome.finalValue).toBe(`stale-late ${outcome.staleToken}`);
      },
    );
  },
);
