import { Redis } from 'ioredis';
import type { Page } from 'playwright-core';
import { describe, expect, onTestFinished, test } from 'vitest';
import type { BatonClient } from '../../../../client/node.js';
import type { LockLostError } from '../../../../shared/errors.js';
import { startAdmin } from '../../../../server/admin/admin-server.js';
import { brokerWithAdmin } from '../admin-harness.js';
import { eventually, startClient } from '../../../helpers/harness.js';
import { RawClient } from '../../../helpers/raw-client.js';
import { RedisProcess } from '../../../helpers/redis-server.js';
import { authFile, BILLING, REPORTS } from '../../auth/auth-harness.js';
import {
  clients,
  lockHash,
  POLL,
  queued,
  screenshot,
  useConsole,
  waitFor,
} from './console-harness.js';

const openConsole = useConsole();

/** What the page functions read of an element (the test is compiled without the DOM library). */
type TextNode = { textContent: string | null };

/** Visible queue rows in queue order, as [position, session, name, request, waited]. */
async function queueRows(page: Page): Promise<string[][]> {
  const rows: string[][] = await page
    .locator('[data-list=queue] .vlist-row:not([hidden])')
    .evaluateAll((els) =>
      els.map((row) => Array.from(row.children, (c: TextNode) => c.textContent ?? '')),
    );
  const position = (row: string[]): number => Number((row[0] ?? '').replace(/,/g, ''));
  return rows.sort((a, b) => position(a) - position(b));
}

const queueNames = async (page: Page): Promise<string[]> =>
  (await queueRows(page)).map((row) => row[2] ?? '');

/** The text of a detail field (`[data-field=…]`). */
const field = (page: Page, name: string): Promise<string | null> =>
  page.locator(`#detail [data-field="${name}"]`).textContent();

/** The detail view's history, newest first, as "kind · reason". */
const historyKinds = (page: Page): Promise<string[]> =>
  page.locator('#detail .history tbody td:nth-child(2)').allTextContents();

describe('admin console', () => {
  test('shows a held lock and its waiters in order, and follows a release live', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { holder, impatient, alpha, beta, gamma, reporter, indexer } = await clients(broker.url, [
      'holder',
      'impatient',
      'alpha',
      'beta',
      'gamma',
      'reporter',
      'indexer',
    ]);
    const lease = await holder.acquire('orders/42');
    await expect(impatient.acquire('orders/42', { timeoutMs: 100 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const alphaGrant = waitFor(alpha, 'orders/42');
    await queued(broker, 'orders/42', 1);
    waitFor(beta, 'orders/42');
    await queued(broker, 'orders/42', 2);
    waitFor(gamma, 'orders/42');
    await queued(broker, 'orders/42', 3);
    // Some other traffic, so the lists and the feed look like a broker at work.
    await (await indexer.acquire('cache/warm')).release();
    await reporter.acquire('reports/daily');
    await indexer.acquire('search/reindex');
    waitFor(reporter, 'search/reindex');
    await queued(broker, 'search/reindex', 1);

    const { page } = await openConsole(admin.url, lockHash('orders/42'));
    await expect.poll(() => field(page, 'name'), POLL).toBe('holder');
    expect(await field(page, 'holder')).toBe(holder.session);
    expect(await field(page, 'token')).toBe(String(lease.token));
    await expect.poll(() => queueNames(page), POLL).toEqual(['alpha', 'beta', 'gamma']);
    const sessionIds = (await queueRows(page)).map((row) => row[1]);
    expect(sessionIds).toEqual([alpha.session, beta.session, gamma.session]);
    await expect.poll(() => page.locator('#role').textContent(), POLL).toBe('embedded');
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');
    // Longest queue first.
    const lockPaths = async (): Promise<string[]> =>
      (await page.locator('#locks td:first-child').allTextContents()).slice(0, 3);
    await expect.poll(lockPaths, POLL).toEqual(['orders/42', 'search/reindex', 'reports/daily']);

    // Live: the page is not reloaded, the stream brings the change.
    await page.evaluate('globalThis.notReloaded = true');
    await lease.release();
    const granted = await alphaGrant;
    await expect.poll(() => field(page, 'name'), POLL).toBe('alpha');
    expect(await field(page, 'token')).toBe(String(granted.token));
    await expect.poll(() => queueNames(page), POLL).toEqual(['beta', 'gamma']);
    await expect
      .poll(() => historyKinds(page), POLL)
      .toEqual(['grant', 'release · released', 'leave · timeout', 'grant']);
    await expect
      .poll(() => page.locator('#events tbody td:nth-child(3)').allTextContents(), POLL)
      .toContain('orders/42');
    expect(await page.evaluate('globalThis.notReloaded')).toBe(true);

    await screenshot(page, 'console');
  });

  test('shows a semaphore’s and a read lock’s kind, every holder and the waiters’ modes', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { one, two, three, four } = await clients(broker.url, ['one', 'two', 'three', 'four']);
    await one.acquire('pool', { limit: 3 });
    await two.acquire('pool', { limit: 3 });
    await one.acquire('doc', { mode: 'read' });
    await two.acquire('doc', { mode: 'read' });
    three.acquire('doc').catch(() => {});
    await queued(broker, 'doc', 1);
    four.acquire('doc', { mode: 'read' }).catch(() => {});
    await queued(broker, 'doc', 2);

    const { page } = await openConsole(admin.url, lockHash('pool'));
    await expect.poll(() => field(page, 'kind'), POLL).toBe('semaphore: 2 of 3 held');
    expect(await field(page, 'holder')).toBe(`${one.session}, ${two.session}`);
    await page.goto(`${admin.url}/${lockHash('doc')}`);
    await expect.poll(() => field(page, 'kind'), POLL).toBe('read/write: 2 reading');
    await expect
      .poll(async () => (await queueRows(page)).map((r) => r[3]), POLL)
      .toEqual([expect.stringMatching(/^\d+$/), expect.stringMatching(/^\d+ · read$/)]);
    const holderCells = () => page.locator('#locks td:nth-child(2)').allTextContents();
    await expect.poll(holderCells, POLL).toContain('2 holders (of 3)');
    await expect.poll(holderCells, POLL).toContain('2 holders (readers)');
    // A leader shows the value observers are told.
    await three.elect('svc/leader', { value: 'http://three:8080' });
    await page.goto(`${admin.url}/${lockHash('svc/leader')}`);
    await expect.poll(() => field(page, 'value'), POLL).toBe('http://three:8080');
  });

  test('shows why each hold and wait ended', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const path = 'jobs/nightly';
    const { page } = await openConsole(admin.url, lockHash(path));
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');

    // A session that stops talking: its lease runs out while it holds the lock.
    const silent = await RawClient.session(broker.url, 300);
    silent.send({ t: 'acquire', id: 1, path, wait: true });
    await eventually(
      () => (broker.admin.history({ path }).some((e) => e.reason === 'expired') ? true : undefined),
      5_000,
      'the silent session to expire',
    );

    const { keeper, impatient, quitter, leaver } = await clients(broker.url, [
      'keeper',
      'impatient',
      'quitter',
      'leaver',
    ]);
    await keeper.acquire(path);
    await expect(impatient.acquire(path, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const abort = new AbortController();
    const aborted = quitter.acquire(path, { signal: abort.signal });
    await queued(broker, path, 1);
    abort.abort();
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    waitFor(leaver, path);
    await queued(broker, path, 1);
    await leaver.close();
    await keeper.close();

    await expect
      .poll(async () => new Set(await historyKinds(page)), POLL)
      .toEqual(
        new Set([
          'grant',
          'release · expired',
          'leave · timeout',
          'leave · cancelled',
          'leave · disconnected',
          'release · disconnected',
        ]),
      );
    // Nobody holds or waits for it now: the view says so and keeps the history.
    await expect.poll(() => field(page, 'holder'), POLL).toMatch(/^free/);
  });

  test('force-releases a lock from the page, after a confirmation', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { holder, next } = await clients(broker.url, ['holder', 'next']);
    const lease = await holder.acquire('billing/run');
    const nextGrant = next.acquire('billing/run');
    await queued(broker, 'billing/run', 1);

    const { page } = await openConsole(admin.url, lockHash('billing/run'));
    await expect.poll(() => field(page, 'name'), POLL).toBe('holder');
    const release = page.getByRole('button', { name: 'Force release' });

    // Cancelling the confirmation changes nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await release.click();
    await expect
      .poll(() => broker.admin.lock('billing/run', {})?.holder?.name, POLL)
      .toBe('holder');
    expect(lease.signal.aborted).toBe(false);

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await release.click();
    await expect.poll(() => lease.signal.aborted, POLL).toBe(true);
    expect(asked).toContain('billing/run');
    expect((lease.signal.reason as LockLostError).reason).toBe('revoked');
    const granted = await nextGrant;
    expect(granted.token).toBeGreaterThan(lease.token);
    await expect.poll(() => field(page, 'name'), POLL).toBe('next');
    await expect.poll(() => page.locator('#notice').textContent(), POLL).toContain('Released');
    await expect.poll(() => historyKinds(page), POLL).toContain('release · forced');
  });

  test('shows a session and ends it from the page', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { worker, other } = await clients(broker.url, ['worker', 'other']);
    await worker.acquire('a/held');
    await other.acquire('a/wanted');
    const waiting = worker.acquire('a/wanted').catch((err: unknown) => err);
    await queued(broker, 'a/wanted', 1);

    // Read now: after its session ends, the SDK opens a new one for new calls.
    const id = worker.session!;
    const { page } = await openConsole(admin.url, `#session=${id}`);
    await expect.poll(() => field(page, 'name'), POLL).toBe('worker');
    expect(await field(page, 'address')).toMatch(/^(::ffff:)?127\.0\.0\.1/);
    expect(await field(page, 'expires in')).toMatch(/\d+(\.\d)? m?s$/);
    const tables = page.locator('#detail table');
    await expect
      .poll(() => tables.nth(0).locator('tbody td').first().textContent(), POLL)
      .toBe('a/held');
    expect(await tables.nth(1).locator('tbody tr').first().locator('td').allTextContents()).toEqual(
      ['a/wanted', '1', expect.any(String), expect.any(String)],
    );

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'End session' }).click();
    await expect.poll(() => broker.admin.session(id), POLL).toBeNull();
    expect(broker.admin.lock('a/held', {})?.holder ?? null).toBeNull();
    expect(await waiting).toBeInstanceOf(Error);
    await expect.poll(() => page.locator('#detail').textContent(), POLL).toContain('has ended');
  });

  test('scrolls a queue of 10,000 with only the visible rows in the page', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const path = 'hot/path';
    const { holder } = await clients(broker.url, ['holder']);
    await holder.acquire(path);
    // 10 sessions of 1,000 waits each (a session may hold or wait for 1,024).
    const waiters = await clients(
      broker.url,
      Array.from({ length: 10 }, (_, i) => `w${i}`),
    );
    for (const client of Object.values<BatonClient>(waiters)) {
      for (let i = 0; i < 1_000; i++) waitFor(client, path);
    }
    await eventually(
      () => (broker.admin.lock(path, {})?.queue.total === 10_000 ? true : undefined),
      20_000,
      '10,000 waiters',
    );

    const { page } = await openConsole(admin.url, lockHash(path));
    await expect
      .poll(() => page.locator('#detail h3').first().textContent(), POLL)
      .toBe('Queue (10,000 waiting)');
    await expect.poll(async () => (await queueRows(page))[0]?.[0], POLL).toBe('1');
    const rendered = await page.locator('[data-list=queue] .vlist-row').count();
    expect(rendered).toBeLessThan(60);

    await page.locator('[data-list=queue]').evaluate((el) => (el.scrollTop = el.scrollHeight));
    // A row shows its position at once and its waiter when its page of the queue arrives.
    const last = async () => {
      const row = (await queueRows(page)).at(-1);
      return [row?.[0], row?.[2]];
    };
    await expect.poll(last, POLL).toEqual(['10,000', 'w9']);
    expect(await page.locator('[data-list=queue] .vlist-row').count()).toBe(rendered);
  }, 60_000);

  test('reconnects its live stream when the admin server comes back', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { steady } = await clients(broker.url, ['steady']);
    const { page } = await openConsole(admin.url, lockHash('x/1'));
    const live = (): Promise<string | null> => page.locator('#live').textContent();
    await expect.poll(live, POLL).toBe('live');
    await expect.poll(() => field(page, 'holder'), POLL).toMatch(/^free/);

    // The chart library loads on its own time: a server closed mid-load fails
    // that fetch, and the console says so. Wait for it (the page's own module).
    await page.evaluate("import('/console/uplot.js').then(() => true)");
    const { port } = admin;
    await admin.close();
    await expect.poll(live, POLL).toBe('reconnecting');
    // Taken while the console is cut off: no event will tell it, the reload on reconnect must.
    await steady.acquire('x/1');
    const again = await startAdmin(broker.admin, { port });
    onTestFinished(() => again.close());
    await expect.poll(live, POLL).toBe('live');
    await expect.poll(() => field(page, 'name'), POLL).toBe('steady');
  });

  test('asks for the admin token when the broker has one', async () => {
    const { admin } = await brokerWithAdmin({}, { token: 'open-sesame' });
    const { page } = await openConsole(admin.url);
    const dialog = page.locator('#token-dialog');
    await expect.poll(() => dialog.isVisible(), POLL).toBe(true);
    expect(await page.locator('#role').textContent()).toBe('…');

    const input = dialog.locator('input[name=token]');
    await input.fill('guess');
    await input.press('Enter');
    await expect
      .poll(() => dialog.locator('.error').textContent(), POLL)
      .toBe('The broker refused that token.');
    await input.fill('open-sesame');
    await input.press('Enter');
    await expect.poll(() => page.locator('#role').textContent(), POLL).toBe('embedded');
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');
    expect(await dialog.isVisible()).toBe(false);
  });

  test('takes a principal’s token and shows only the locks under its admin prefixes', async () => {
    const billingOps = {
      name: 'billing-ops',
      token: 'billing-ops-token',
      allow: [{ prefix: 'billing/', rights: ['admin' as const] }],
    };
    const { file } = authFile([BILLING, REPORTS, billingOps]);
    const { broker, admin } = await brokerWithAdmin({ auth: { file } });
    await (await startClient(broker.url, { authToken: BILLING.token })).acquire('billing/1');
    await (await startClient(broker.url, { authToken: REPORTS.token })).acquire('reports/1');
    const { page } = await openConsole(admin.url);
    const dialog = page.locator('#token-dialog');
    await expect.poll(() => dialog.isVisible(), POLL).toBe(true);
    const input = dialog.locator('input[name=token]');
    await input.fill(billingOps.token);
    await input.press('Enter');
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');
    await expect
      .poll(() => page.locator('#locks td:first-child').allTextContents(), POLL)
      .toEqual(['billing/1']);
  });

  test('shows in the broker panel that Redis lost data', async () => {
    const server = await RedisProcess.start();
    const redis = new Redis(server.url);
    onTestFinished(() => redis.disconnect());
    const { broker, admin } = await brokerWithAdmin({
      redis: { url: server.url, leaderLeaseMs: 500 },
    });
    await eventually(() => (broker.role === 'active' ? true : undefined), 5_000, 'active');
    const { page } = await openConsole(admin.url);
    const loss = page.locator('[data-field="redis data loss"]');
    await expect.poll(() => loss.textContent(), POLL).toBe('none seen');
    await redis.flushall();
    await expect.poll(() => loss.textContent(), POLL).toMatch(/^1; last: generation \(/);
    expect(await loss.getAttribute('class')).toBe('warn');
    expect(await page.locator('#role').textContent()).toBe('active');
  });
});
