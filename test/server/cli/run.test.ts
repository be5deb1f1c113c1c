import { describe, expect, it } from 'vitest';
import { RUN_EXIT } from '../../../server/cli/run.js';
import {
  CLI,
  eventually,
  freed,
  spawnNode,
  startBroker,
  startClient,
} from '../../helpers/harness.js';
import { freePort } from '../../support/free-port.js';
import { baton, startBaton } from './cli-harness.js';

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

  it('takes -n: a held lock exits 3 at once without running the command', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    await holder.acquire('jobs/n');
    const r = await baton(['run', '-n', 'jobs/n', '--url', broker.url, '--', 'echo', 'RAN']);
    expect(r.code, r.output).toBe(RUN_EXIT.timeout);
    expect(r.stderr).toMatch(/jobs\/n is held by another session \(-n\); echo was not run/);
    expect(r.stdout).not.toMatch(/RAN/);
    const free = await baton([
      'run',
      '--nonblock',
      'jobs/free',
      '--url',
      broker.url,
      '--',
      'echo',
      'RAN',
    ]);
    expect(free.code, free.output).toBe(0);
    expect(free.stdout).toBe('RAN');
  });

  it('takes --timeout with a unit', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    await holder.acquire('jobs/t');
    const r = await baton([
      'run',
      'jobs/t',
      '--url',
      broker.url,
      '--timeout',
      '300ms',
      '--',
      'true',
    ]);
    expect(r.code, r.output).toBe(RUN_EXIT.timeout);
    expect(r.stderr).toMatch(/timed out after 300 ms waiting for jobs\/t; true was not run/);
    expect(broker.views.queue('jobs/t').queue).toHaveLength(0);
  });

  it('runs --shell through /bin/sh -c, with the token in its environment', async () => {
    const broker = await startBroker();
    const r = await baton([
      ...['run', 'jobs/sh', '--url', broker.url],
      ...['--shell', 'echo "$BATON_PATH" && echo "token $BATON_TOKEN" | tr a-z A-Z; exit 9'],
    ]);
    expect(r.code, r.output).toBe(9);
    expect(r.stdout).toMatch(/^jobs\/sh\nTOKEN \d+$/);
  });

  it('takes the lock with --strict, failing over past a broker that is down', async () => {
    const broker = await startBroker({ table: { consistency: 'efficient' } });
    const levels = new Map<string, string>();
    broker.subscribe((e) => {
      if (e.type === 'granted') levels.set(e.grant.path, e.grant.strict ? 'strict' : 'efficient');
    });
    const down = `ws://127.0.0.1:${await freePort()}`;
    const child = startBaton([
      ...['run', 'jobs/strict', '--strict', '--url', down, '--url', broker.url],
      ...['--', 'sh', '-c', 'echo "ran $BATON_TOKEN"; sleep 30'],
    ]);
    await child.waitForLine(/^ran \d+$/);
    expect(levels.get('jobs/strict')).toBe('strict');
    process.kill(child.pid, 'SIGTERM');
    expect((await child.exited).code).toBe(143);
    await freed(broker, 'jobs/strict');
    // Without --strict the broker's default level applies.
    const plain = await baton(['run', 'jobs/plain', '--url', broker.url, '--', 'true']);
    expect(plain.code, plain.output).toBe(0);
    expect(levels.get('jobs/plain')).toBe('efficient');
  });

  it('leaves the queue and ends as the signal would when interrupted while waiting', async () => {
    const broker = await startBroker();
    const holder = await startClient(broker.url);
    await holder.acquire('jobs/w');
    const child = startBaton(['run', 'jobs/w', '--url', broker.url, '--', 'echo', 'RAN']);
    await eventually(() => (broker.views.queue('jobs/w').queue.length === 1 ? true : undefined));
    process.kill(child.pid, 'SIGINT');
    expect((await child.exited).code).toBe(130);
    expect(broker.views.queue('jobs/w').queue).toHaveLength(0);
    expect(child.lines).not.toContain('RAN');
  });

  it('without a command holds the lock, printing path and token, until SIGTERM', async () => {
    const broker = await startBroker();
    for (const command of [['run'], ['lock']]) {
      const path = `held/${command[0]}`;
      const child = startBaton([...command, path, '--url', broker.url]);
      const [, token] = await child.waitForLine(new RegExp(`^${path} (\\d+)$`));
      expect(broker.views.queue(path).holder?.token).toBe(Number(token));
      process.kill(child.pid, 'SIGTERM');
      expect((await child.exited).code).toBe(0);
      expect(child.lines).toContain(`[stderr] baton ${command[0]}: released ${path}`);
      await freed(broker, path);
    }
  });

  it('says why a broker cannot be reached: refused, DNS, which URL', async () => {
    const closed = `ws://127.0.0.1:${await freePort()}`;
    const refused = await baton([
      'run',
      'x',
      '--url',
      closed,
      '--connect-timeout',
      '1s',
      '--',
      'true',
    ]);
    expect(refused.code, refused.output).toBe(RUN_EXIT.unreachable);
    expect(refused.stderr).toMatch(
      new RegExp(`cannot reach the broker at ${closed}: connection refused \\(ECONNREFUSED\\)`),
    );
    const dns = 'ws://broker.baton-test.invalid:7070';
    const unknown = await baton(['lock', 'x', '--url', dns, '--connect-timeout', '5s']);
    expect(unknown.code, unknown.output).toBe(RUN_EXIT.unreachable);
    expect(unknown.stderr).toMatch(
      /cannot reach the broker at ws:\/\/broker\.baton-test\.invalid:7070: DNS name not found \(ENOTFOUND\)/,
    );
    const both = await baton(['lock', 'x', '--url', `${closed},${dns}`, '--connect-timeout', '1s']);
    expect(both.code).toBe(RUN_EXIT.unreachable);
    expect(both.stderr).toMatch(
      /cannot reach any broker: .*ECONNREFUSED.*; ws:\/\/broker\.baton-test\.invalid:7070: DNS name not found/,
    );
  });
});
