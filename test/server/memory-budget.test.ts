import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, eventually, spawnNode, startClient, tempDir } from '../helpers/harness.js';
import { floodLocks } from '../helpers/lock-flood.js';

describe('the memory budget', () => {
  it('keeps a broker with a 64 MB heap alive under 100 sessions × 1,000 long-path locks', async () => {
    // Default limits but the detach cap, so the test need not wait 30 s for the flood to go.
    const broker = spawnNode([
      '--max-old-space-size=64',
      CLI,
      'server',
      '--port',
      '0',
      '--data-dir',
      tempDir(),
      '--no-admin',
      '--max-detached-ms',
      '1000',
      '--log-level',
      'warn',
    ]);
    const [, url] = (await broker.waitForLine(/listening on (ws:\/\/\S+)/)) as [string, string];
    let exited = false;
    void broker.exited.then(() => (exited = true));
    const good = await startClient(url);
    const before = await good.acquire('good/before');

    // From another address, so the per-owner quotas leave the good client alone.
    const flood = await floodLocks(url, {
      sessions: 100,
      locksPerSession: 1_000,
      from: '127.0.0.2',
    });
    onTestFinished(() => flood.abandon());
    expect(exited).toBe(false);
    // Sessions count against the budget too: the last ones may be refused at hello.
    const sessionsIn = 100 - (flood.helloRefused.LIMIT_EXCEEDED ?? 0);
    expect(flood.granted).toBeGreaterThan(5_000);
    expect(flood.refused).toEqual({ LIMIT_EXCEEDED: sessionsIn * 1_000 - flood.granted });
    const budgetLines = broker.lines.filter((l) => l.includes('memory budget'));
    expect(budgetLines.length).toBeGreaterThan(0);

    // The good client's lock still releases; new acquires wait for the budget, which the
    // abandoned sessions give back after the detach cap.
    await before.release();
    flood.abandon();
    const tryOnce = async () =>
      (await good.tryAcquire('good/after').catch(() => null)) ?? undefined;
    const after = await eventually(tryOnce, 10_000, 'the budget to free up');
    expect(after.token).toBeGreaterThan(before.token);
    await after.release();
    expect(exited).toBe(false);
  });
});
