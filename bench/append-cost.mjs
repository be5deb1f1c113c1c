// What one log append costs Redis: the broker's append script (the owner
// checks that fence off a stale leader, the continuity check, then XADD)
// against a plain XADD of the same batch, the floor's (bench/floor/redis-log.ts).
// Redis's own time per call from INFO commandstats, so the machine's other
// load matters little; and the round trip its caller waits, one call in
// flight as the log writer makes them: the least a strict grant waits. Not a
// timed bench: run it after `npm run bench:build` with
// `node bench/append-cost.mjs`; it starts its own redis-server on a free
// port, as the bench and the tests do, and kills it when done.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { encodeEntries } from '../.bench-out/server/mirror/batch.js';
import { redisKeys } from '../.bench-out/server/mirror/keys.js';
import { RedisScripts } from '../.bench-out/server/mirror/scripts.js';
import { freePort } from '../.bench-out/test/support/free-port.js';
import { spawnRedis } from '../.bench-out/test/support/redis-spawn.js';

const CALLS = 5_000;
/**
 * Two batch shapes: scenario A's strict batches held about 60 entries (grants
 * and frees of 30 cycles); B's hold one handoff (a free, a grant, a wait).
 */
const SHAPES = [
  { name: 'A, 30 cycles', cycles: 30, waits: false },
  { name: 'B, one handoff', cycles: 1, waits: true },
];

const port = await freePort();
const dir = mkdtempSync(join(tmpdir(), 'baton-append-cost-'));
const server = await spawnRedis(port, dir, ['--save', '', '--appendonly', 'no']);
const stop = () => {
  server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
};
// On a throw too: no redis-server is left behind.
process.on('exit', stop);

const redis = new Redis({ port, host: '127.0.0.1' });
const keys = redisKeys('baton', 'append-cost');
const scripts = new RedisScripts(redis, keys);
// A dataset as a seeded generation leaves it: generation, epoch, an empty snapshot.
const owner = { generation: 'g1', epoch: 1 };
await redis.set(keys.generation, owner.generation);
await redis.set(keys.epoch, String(owner.epoch));
await redis.hset(keys.snapshot, 'gen', owner.generation, 'seq', '-1');

function batchOf({ cycles, waits }) {
  const entries = [];
  for (let i = 0; i < cycles; i++) {
    const path = `bench/a/${i * 331}`;
    entries.push(['free', path, 'released']);
    entries.push(['grant', `session-${i % 100}-xxxxxxxxxxxx`, i, path, 1_000 + i, true]);
    if (waits) entries.push(['wait', `session-${i % 100}-yyyyyyyyyyyy`, i + 1, path, true, -1]);
  }
  return { entries: entries.length, bytes: encodeEntries(entries) };
}

let seq = 0;
const append = async (batch) => {
  const outcome = await scripts.appendLog(owner, seq++, batch);
  if (outcome.status !== 'done') throw new Error(`append ${seq - 1}: ${JSON.stringify(outcome)}`);
};
const xadd = (batch) => redis.xadd('plain-log', 'MAXLEN', '~', 10_000, '*', 'b', batch);
/** Redis's own time per call of `command` since the last RESETSTAT. */
const usPerCall = async (command) => {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:.*usec_per_call=([\\d.]+)`).exec(stats)?.[1]);
};
/** `call` made CALLS times one after another: Redis's time and the round trip, µs per call. */
const measure = async (command, call) => {
  // Reset before each: Redis counts the script's own XADD under xadd too.
  await redis.config('RESETSTAT');
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call();
  const roundTrip = ((performance.now() - started) * 1_000) / CALLS;
  return `Redis ${await usPerCall(command)} µs, round trip ${roundTrip.toFixed(1)} µs`;
};

for (const shape of SHAPES) {
  const { entries, bytes } = batchOf(shape);
  await append(bytes); // loads the script
  const script = await measure('evalsha', () => append(bytes));
  const plain = await measure('xadd', () => xadd(bytes));
  console.log(
    `${shape.name}: batch of ${entries} entries, ${bytes.length} bytes, per call: ` +
      `append script ${script}; plain XADD ${plain}; ${CALLS} calls each`,
  );
}
redis.disconnect();
// Its output pipes would keep this process alive.
stop();
