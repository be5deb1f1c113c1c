import { describe, expect, it } from 'vitest';
import type { LockDetail } from '../../../server/admin/admin-types.js';
import {
  CLI,
  eventually,
  spawnBroker,
  spawnNode,
  startClient,
  tempDir,
} from '../../helpers/harness.js';
import { freePort } from '../../support/free-port.js';

/** A CLI broker with its admin server on a free port, and the admin URL it printed. */
async function cliBroker(extraArgs: string[] = []) {
  const broker = await spawnBroker(tempDir(), ['--admin-port', '0', ...extraArgs]);
  const [, adminUrl] = await broker.waitForLine(/^console: (http:\/\/\S+)\/$/);
  return { ...broker, adminUrl: adminUrl as string };
}

/** Runs `baton status args…` and resolves with its exit code and output. */
async function status(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawnNode([CLI, 'status', ...args], { BATON_ADMIN_TOKEN: '', ...env });
  const { code } = await child.exited;
  return { code, output: child.lines.join('\n') };
}

describe('baton status', () => {
  it('prints the overview and the most contended locks of a CLI broker', async () => {
    const broker = await cliBroker();
    const holder = await startClient(broker.url, { name: 'holder' });
    const waiter = await startClient(broker.url);
    const lease = await holder.acquire('reports/daily');
    void waiter.acquire('reports/daily').catch(() => null);
    await eventually(async () => {
      const res = await fetch(`${broker.adminUrl}/api/lock?path=reports/daily`);
      return ((await res.json()) as LockDetail).queue.total === 1 ? true : undefined;
    });

    const { code, output } = await status(['--admin-url', broker.adminUrl]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^role +embedded$/m);
    expect(output).toMatch(/^sessions +2$/m);
    expect(output).toMatch(/^connections +2$/m);
    expect(output).toMatch(/^locks held +1$/m);
    expect(output).toMatch(/^waiters +1$/m);
    expect(output).toMatch(/^grants\/s +\d/m);
    expect(output).toMatch(/^mirror +none/m);
    expect(output).toMatch(/^PATH +HOLDER +TOKEN +HELD FOR +WAITING +LONGEST WAIT$/m);
    const row = output.split('\n').find((l) => l.startsWith('reports/daily'));
    expect(row).toContain(`${holder.session} (holder)`);
    expect(row).toContain(String(lease.token));
    expect(row).toMatch(/ 1 +\d/);

    process.kill(broker.pid, 'SIGTERM');
    expect((await broker.exited).code).toBe(0);
    await expect(fetch(`${broker.adminUrl}/healthz`)).rejects.toThrow();
  });

  it('exits 1 with a clear message when the admin server is unreachable or refuses', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await status(['--admin-url', nowhere]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.output).toMatch(/cannot reach the admin server at http:\/\/127\.0\.0\.1/);

    const broker = await cliBroker(['--admin-token', 'sekret']);
    const without = await status(['--admin-url', broker.adminUrl]);
    expect(without.code).toBe(1);
    expect(without.output).toMatch(/needs a token \(401\)/);
    const wrong = await status(['--admin-url', broker.adminUrl, '--token', 'nope']);
    expect(wrong.code).toBe(1);
    expect(wrong.output).toMatch(/refused the token \(401\)/);
    const right = await status(['--admin-url', broker.adminUrl], { BATON_ADMIN_TOKEN: 'sekret' });
    expect(right.code, right.output).toBe(0);
    expect(right.output).toMatch(/no locks held or waited for/);
  });
});
