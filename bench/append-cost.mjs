// What one log append costs Redis: the broker's append script (the owner
// checks that fence off a stale leader, the continuity check, then XADD)
// against a plain XADD of the same batch, the floor's (bench/floor/redis-log.ts).
// Redis's own time per call from INFO commandstats, so the machine's other
// load matters little. Not a timed bench: run it after `npm run build` with
// `node bench/append-cost.mjs`; it starts its own redis-server on a free
// port and kills it when done.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { Redis } from 'ioredis';
import { encodeEntries } from '../dist/server/mirror/batch.js';
import { redisKeys } from '../dist/server/mirror/keys.js';
import { RedisScripts } from '../dist/server/mirror/scripts.js';

const CALLS = 5_000;
/** Scenario A's strict batches held about 60 entries: grants and frees of 30 cycles. */
const CYCLES_PER_BATCH = 30;

const port = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
const server = spawn('redis-server', [...args, '--dir', tmpdir()], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
// On a throw too: no redis-server is left behind.
process.on('exit', () => server.kill('SIGKILL'));
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.stdout.on('data', (d) => String(d).includes('Ready to accept') && resolve());
});

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
await append(); // loads the script
await redis.config('RESETSTAT');
for (let i = 0; i < CALLS; i++) await append();
for (let i = 0; i < CALLS; i++)
  await redis.xadd('plain-log', 'MAXLEN', '~', 10_000, '*', 'b', batch);

const stats = await redis.info('commandstats');
const usPerCall = (command) =>
  Number(new RegExp(`cmdstat_${command}:.*usec_per_call=([\\d.]+)`).exec(stats)?.[1]);
console.log(
  `batch of ${entries.length} entries, ${batch.length} bytes; Redis time per call: ` +
    `append script ${usPerCall('evalsha')} µs, plain XADD ${usPerCall('xadd')} µs ` +
    `(XADD counts the script's own too), ${CALLS} calls each`,
);
redis.disconnect();
server.kill('SIGKILL');
await new Promise((resolve) => server.once('exit', resolve));
