import { describe, expect, it, onTestFinished } from 'vitest';
import { CLI, eventually, spawnNode, startClient, tempDir } from '../helpers/harness.js';
import { floodLocks } from '../helpers/lock-flood.js';

/** A CLI broker with a 64 MB heap; default limits but the detach cap (the test need not wait 30 s) and `more`. */
async function smallHeapBroker(more: string[] = []) {
  const broker = spawnNode([
    '--max-old-space-size=64',
    CLI,
    ...['server', '--port', '0', '--data-dir', tempDir(), '--no-admin'],
    ...['--max-detached-ms', '1000', '--log-level', 'warn', ...more],
  ]);
  const [, url] = (await broker.waitForLine(/listening on (ws:\/\/\S+)/)) as [string, string];
  return { broker, url };
}

/** The flood of the test below: 100 sessions × 1,000 locks on 480-byte paths, from another address. */
const floodFromElsewhere = (url: string) =>
  floodLocks(url, { sessions: 100, locksPerSession: 1_000, from: '127.0.0.2' });

describe('the memory budget', () => {
  it('keeps a broker with a 64 MB heap alive under 100 sessions × 1,000 long-path locks', async () => {
    const { broker, url } = await smallHeapBroker();
    let exited = false;
    void broker.exited.then(() => (exited = true));
    const good = await startClient(url);
    const before = await good.acquire('good/before');

    // From another address, so the per-owner quotas leave the good client alone.
    const flood = await floodFromElsewhere(url);
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

  // The proof that the test above can fail: with the budget past the heap (and the
  // owner quota lifted, which alone leaves the broker stalled in GC) the same flood kills it.
  it('is what keeps it alive: with a budget past the heap the same flood kills the broker', async () => {
    const { broker, url } = await smallHeapBroker([
      ...['--max-table-bytes', String(2 ** 40), '--max-locks-per-owner', '1000000'],
    ]);
    const flood = await floodFromElsewhere(url);
    flood.abandon();
    const { code, signal } = await broker.exited;
    expect(code !== 0 || signal !== null).toBe(true);
    expect(flood.refused.LIMIT_EXCEEDED ?? 0).toBe(0);
  }, 60_000);
});
