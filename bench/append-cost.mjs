// What one log append costs Redis: the broker's append script (the owner
// checks that fence off a stale leader, the continuity check, then XADD)
// against a plain XADD of the same batch, the floor's (bench/floor/redis-log.ts).
// Redis's own time per call from INFO commandstats, so the machine's other
// load matters little. Not a timed bench: run it after `npm run bench:build`
// with `node bench/append-cost.mjs`; it starts its own redis-server on a free
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
/** Scenario A's strict batches held about 60 entries: grants and frees of 30 cycles. */
const CYCLES_PER_BATCH = 30;

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

const entries = [];
for (let i = 0; i < CYCLES_PER_BATCH; i++) {
  const path = `bench/a/${i * 331}`;
  entries.push(['grant', `session-${i % 100}-xxxxxxxxxxxx`, i, path, 1_000 + i, true]);
  entries.push(['free', path, 'released']);
}
const batch = encodeEntries(entries);

let seq = 0;
const append = async () => {
  const outcome = await scripts.appendLog(owner, seq++, batch);
  if (outcome.status !== 'done') throw new Error(`append ${seq - 1}: ${JSON.stringify(outcome)}`);
};
/** Redis's own time per call of `command` since the last RESETSTAT. */
const usPerCall = async (command) => {
  const stats = await redis.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:.*usec_per_call=([\\d.]+)`).exec(stats)?.[1]);
};
await append(); // loads the script
await redis.config('RESETSTAT');
for (let i = 0; i < CALLS; i++) await append();
const script = await usPerCall('evalsha');
// Reset between the two: Redis counts the script's own XADD under xadd too.
await redis.config('RESETSTAT');
for (let i = 0; i < CALLS; i++)
  await redis.xadd('plain-log', 'MAXLEN', '~', 10_000, '*', 'b', batch);
const plain = await usPerCall('xadd');
console.log(
  `batch of ${entries.length} entries, ${batch.length} bytes; Redis time per call: ` +
    `append script ${script} µs, plain XADD ${plain} µs, ${CALLS} calls each`,
);
redis.disconnect();
// Its output pipes would keep this process alive.
stop();
