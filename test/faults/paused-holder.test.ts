import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it, onTestFinished } from 'vitest';
import type { Consistency } from '../../shared/protocol.js';
import { ROUNDS, runScenario } from '../helpers/fault-scenario.js';
import { spawnNode } from '../helpers/harness.js';
import type { FencedResource } from '../helpers/history.js';
import { recordedAcquire } from '../helpers/workload.js';

const WRITER = join(import.meta.dirname, '../fixtures/stale-writer.mjs');
const PAUSED = 'paused';

/** The fenced resource as a tiny HTTP service: 200 for a write it takes, 409 for a stale token. */
async function resourceServer(resource: FencedResource): Promise<string> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.searchParams.get('path') ?? '';
    const ok = resource.write(path, Number(url.searchParams.get('token')), PAUSED);
    res.writeHead(ok ? 200 : 409).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/write`;
}

describe.each<Consistency>(['strict', 'efficient'])(
  'a holder paused past its lease (%s)',
  (level) => {
    it(
      'is fenced off when it writes with its old token',
      { timeout: 60_000 + ROUNDS * 10_000 },
      async () => {
        // The one scenario that pauses a client on purpose: its late write must be the only one rejected.
        await runScenario({ name: 'paused holder', level, clientPauses: true }, async (ctx) => {
          const url = await resourceServer(ctx.work.resource);
          const rounds = Math.max(1, Math.floor(ROUNDS / 3));
          const waiter = await ctx.client();
          for (let round = 0; round < rounds; round++) {
            await ctx.progress();
            await ctx.holdWithWaiter(2_500);
            // It takes a path of its own, then writes a second later.
            const path = `paused/${round}`;
            const writer = spawnNode([WRITER, ctx.urls.join(','), path, '500', url, level]);
            const [, token] = await writer.waitForLine(/^holding (\d+)$/, 20_000);
            await ctx.fault(
              'holder SIGSTOP past its lease',
              async () => {
                process.kill(writer.pid, 'SIGSTOP');
                // Its session expires; the next holder writes with a newer token.
                const options = { consistency: level, timeoutMs: 10_000 };
                const lease = await recordedAcquire(ctx.history, waiter, 'next', path, options);
                ctx.check(
                  lease.token > Number(token),
                  `round ${round}: the next token is not larger`,
                );
                ctx.work.resource.write(path, lease.token, 'next');
                ctx.history.endHold('next', path, lease.token, 'release');
                await lease.release();
                process.kill(writer.pid, 'SIGCONT');
                const [, verdict] = await writer.waitForLine(/^write (\w+) \d+$/);
                ctx.check(verdict === 'rejected', `round ${round}: the late write was ${verdict}`);
              },
              { excuses: false },
            );
          }
          const rejected = ctx.history.events.filter((e) => e.kind === 'write' && !e.accepted);
          const others = rejected.filter((e) => e.worker !== PAUSED).length;
          ctx.check(others === 0, `${others} rejected writes from holders that were not paused`);
          return { pausedHolders: rounds, staleWritesRejected: rejected.length - others };
        });
      },
    );
  },
);
