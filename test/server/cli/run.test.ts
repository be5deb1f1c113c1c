import { describe, expect, it } from 'vitest';
import { CLI, eventually, spawnNode, startBroker, startClient } from '../../helpers/harness.js';

describe('baton run', () => {
  it('runs the command holding the lock, with BATON_PATH and BATON_TOKEN, and exits with its status', async () => {
    const broker = await startBroker();
    const run = spawnNode([
      CLI,
      'run',
      'reports/daily',
      '--url',
      broker.url,
      '--',
      'sh',
      '-c',
      'echo "$BATON_PATH $BATON_TOKEN"; exit 7',
    ]);
    const [, path, token] = await run.waitForLine(/^(\S+) (\d+)$/);
    expect(path).toBe('reports/daily');
    expect(Number(token)).toBeGreaterThan(0);
    expect((await run.exited).code).toBe(7);
    expect(broker.views.queue('reports/daily').holder).toBeNull();
  });

  it('waits its turn while another holds the lock', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    const lease = await holder.acquire('jobs/a');
    const run = spawnNode([
      CLI,
      'run',
      'jobs/a',
      '--url',
      broker.url,
      '--',
      'sh',
      '-c',
      'echo "ran $BATON_TOKEN"',
    ]);
    await eventually(() => (broker.views.queue('jobs/a').queue.length === 1 ? true : undefined));
    expect(run.lines).toEqual([]);
    await lease.release();
    const [, token] = await run.waitForLine(/^ran (\d+)$/);
    expect(Number(token)).toBeGreaterThan(lease.token);
    expect((await run.exited).code).toBe(0);
  });

  it('exits non-zero on timeout without running the command', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    await holder.acquire('jobs/b');
    const run = spawnNode([
      CLI,
      'run',
      'jobs/b',
      '--url',
      broker.url,
      '--timeout-ms',
      '200',
      '--',
      'sh',
      '-c',
      'echo SHOULD-NOT-RUN',
    ]);
    const { code } = await run.exited;
    expect(code).toBe(3);
    expect(run.lines.join('\n')).toMatch(/timed out after 200 ms waiting for jobs\/b/);
    expect(run.lines.join('\n')).not.toMatch(/SHOULD-NOT-RUN/);
  });

  it('stops the command and exits non-zero when the lock is lost', async () => {
    const broker = await startBroker({ table: { minSessionTtlMs: 100 } });
    const run = spawnNode([
      CLI,
      'run',
      'jobs/c',
      '--url',
      broker.url,
      '--session-ttl-ms',
      '300',
      '--',
      'sh',
      '-c',
      'echo started; exec sleep 30',
    ]);
    await run.waitForLine(/^started$/);
    // Freeze `baton run` (not its command) past the session TTL: the broker expires the session.
    process.kill(run.pid, 'SIGSTOP');
    await eventually(
      () => (broker.views.queue('jobs/c').holder === null ? true : undefined),
      3_000,
    );
    process.kill(run.pid, 'SIGCONT');
    const { code } = await run.exited;
    expect(code).toBe(4);
    expect(run.lines.join('\n')).toMatch(/lost the lock on jobs\/c/);
  });

  it('explains a broker it cannot reach', async () => {
    const run = spawnNode([CLI, 'run', 'x', '--url', 'ws://127.0.0.1:1', '--', 'true']);
    const { code } = await run.exited;
    expect(code).toBe(5);
    expect(run.lines.join('\n')).toMatch(/cannot reach the broker/);
  });

  it('prints usage without a command', async () => {
    const run = spawnNode([CLI, 'run', 'x']);
    expect((await run.exited).code).toBe(2);
    expect(run.lines.join('\n')).toMatch(/usage: baton run PATH/);
  });
});
