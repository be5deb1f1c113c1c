import { describe, expect, it } from 'vitest';
import { RUN_EXIT } from '../../../server/cli/run.js';
import { ADMIN_EXIT } from '../../../server/cli/status.js';
import { spawnBroker, startClient, tempDir } from '../../helpers/harness.js';
import { freePort } from '../../support/free-port.js';
import { baton, startBaton } from './cli-harness.js';

/** A CLI broker with its admin server on a free port, and the admin URL it printed. */
async function cliBroker(extraArgs: string[] = []) {
  const broker = await spawnBroker(tempDir(), ['--admin-port', '0', ...extraArgs]);
  const [, adminUrl] = await broker.waitForLine(/^console: (http:\/\/\S+)\/$/);
  return { ...broker, adminUrl: adminUrl as string };
}

describe('baton lock, locks and release', () => {
  it('holds a lock, lists it, force-releases it, and says when there is nothing to release', async () => {
    const broker = await cliBroker(['--admin-token', 'op-token']);
    const admin = ['--admin-url', broker.adminUrl];
    const env = { BATON_AUTH_TOKEN: 'op-token' };

    const lock = startBaton(['lock', 'jobs/nightly', '--url', broker.url]);
    const [, token] = await lock.waitForLine(/^jobs\/nightly (\d+)$/);
    const waiter = await startClient(broker.url, { name: 'waiter' });
    const next = waiter.acquire('jobs/nightly');
    const other = await startClient(broker.url);
    await other.acquire('reports/daily');

    const all = await baton(['locks', ...admin], env);
    expect(all.code, all.output).toBe(ADMIN_EXIT.ok);
    expect(all.stdout).toMatch(/^PATH +HOLDER +TOKEN +HELD FOR +WAITING +LONGEST WAIT$/m);
    const row = all.stdout.split('\n').find((l) => l.startsWith('jobs/nightly'));
    expect(row).toMatch(new RegExp(`\\(baton lock jobs/nightly\\) +${token} +\\S+ \\S+ +1 `));
    expect(all.stdout).toMatch(/^reports\/daily /m);
    const some = await baton(['locks', ...admin, '--prefix', 'reports/', '--limit', '5'], env);
    expect(some.code, some.output).toBe(ADMIN_EXIT.ok);
    expect(some.stdout).not.toMatch(/jobs\/nightly/);
    expect(some.stdout).toMatch(/^reports\/daily /m);

    const released = await baton(['release', 'jobs/nightly', ...admin], env);
    expect(released.code, released.output).toBe(ADMIN_EXIT.ok);
    expect(released.stdout).toMatch(
      new RegExp(
        `^released jobs/nightly: it was held by session \\S+ \\(baton lock jobs/nightly\\) with token ${token}$`,
      ),
    );
    // The holder hears of it and exits as `baton run` does on a lost lock; the waiter gets it.
    expect((await lock.exited).code).toBe(RUN_EXIT.lockLost);
    expect(lock.lines.join('\n')).toMatch(/lost the lock on jobs\/nightly/);
    expect((await next).token).toBeGreaterThan(Number(token));

    const again = await baton(['release', 'jobs/none', ...admin], env);
    expect(again.code, again.output).toBe(ADMIN_EXIT.notHeld);
    expect(again.stdout).toMatch(/^jobs\/none is not held on the broker at .*: nothing released$/);
  });

  it('says why the admin server refuses or cannot be reached', async () => {
    const broker = await cliBroker(['--admin-token', 'op-token']);
    const noToken = await baton(['release', 'x', '--admin-url', broker.adminUrl]);
    expect(noToken.code).toBe(ADMIN_EXIT.failed);
    expect(noToken.stderr).toMatch(/^baton release: the admin server at .* needs a token \(401\)/);
    const wrong = await baton(['locks', '--admin-url', broker.adminUrl, '--auth-token', 'nope']);
    expect(wrong.code).toBe(ADMIN_EXIT.failed);
    expect(wrong.stderr).toMatch(/refused the token \(401\)/);

    const closed = `http://127.0.0.1:${await freePort()}`;
    const refused = await baton(['locks', '--admin-url', closed]);
    expect(refused.code).toBe(ADMIN_EXIT.failed);
    expect(refused.stderr).toMatch(
      new RegExp(
        `cannot reach the admin server at ${closed}: connection refused \\(ECONNREFUSED\\)`,
      ),
    );
    const dns = await baton(['status', '--admin-url', 'http://admin.baton-test.invalid:7071']);
    expect(dns.code).toBe(ADMIN_EXIT.failed);
    expect(dns.stderr).toMatch(/admin\.baton-test\.invalid:7071: DNS name not found \(ENOTFOUND\)/);
  });
});
