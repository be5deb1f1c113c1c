import type { Locator, Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import type { Lease } from '../../../../client/lease.js';
import { sleep } from '../../../helpers/harness.js';
import { brokerWithAdmin } from '../admin-harness.js';
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
const PACE_MS = 300;

/** The series colours of style.css the charts draw with, as RGB. */
const COLORS = {
  accent: [0x24, 0x56, 0xc7],
  ok: [0x1f, 0x7a, 0x3f],
  warn: [0xa1, 0x5c, 0x00],
} as const;

/** What the page function reads of uPlot's canvas (the test is compiled without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): ImageLike };
}
interface ImageLike {
  data: ArrayLike<number>;
}

/** How many pixels of the chart's canvas are (nearly) each of `COLORS`: what its lines drew. */
function drawnPixels(chart: Locator): Promise<Record<keyof typeof COLORS, number>> {
  return chart.locator('canvas').evaluate((canvas: CanvasLike, colors) => {
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const counts = Object.fromEntries(Object.keys(colors).map((name) => [name, 0]));
    for (let i = 0; i < data.length; i += 4) {
      for (const [name, rgb] of Object.entries(colors)) {
        const near = rgb.every((c, k) => Math.abs((data[i + k] ?? 0) - c) < 40);
        if (near && (data[i + 3] ?? 0) > 200) counts[name] = (counts[name] ?? 0) + 1;
      }
    }
    return counts;
  }, COLORS) as Promise<Record<keyof typeof COLORS, number>>;
}

/** A figure the chart keeps on its node: data-points, data-last-KEY, data-max-KEY. */
async function figure(chart: Locator, name: string): Promise<number> {
  return Number(await chart.getAttribute(`data-${name}`));
}

const brokerChart = (page: Page): Locator => page.locator('figure[data-chart=broker]');
const queueChart = (page: Page): Locator => page.locator('#detail figure[data-chart=queue]');

describe('console charts', () => {
  test('draw grants, sessions and waiters, and a lock’s queue, moving as the lock changes hands', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const path = 'jobs/render';
    const { page } = await openConsole(admin.url, lockHash(path));
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');
    const broker0 = brokerChart(page);
    const queue0 = queueChart(page);
    await expect.poll(() => figure(broker0, 'points'), POLL).toBeGreaterThan(0);
    await expect.poll(() => figure(queue0, 'points'), POLL).toBeGreaterThan(0);
    expect(await figure(broker0, 'max-grants')).toBe(0);
    expect(await figure(queue0, 'max-waiting')).toBe(0);
    const pointsBefore = await figure(broker0, 'points');

    // A holder and three waiters: the queue chart must show the queue of three.
    const { holder, ada, bob, cy, busy } = await clients(broker.url, [
      'holder',
      'ada',
      'bob',
      'cy',
      'busy',
    ]);
    const held = await holder.acquire(path);
    const grants: Promise<Lease>[] = [];
    // Paced a little, as work is, so the picture shows the queue grow and drain.
    for (const waiter of [ada, bob, cy]) {
      grants.push(waitFor(waiter, path));
      await queued(broker, path, grants.length);
      await sleep(PACE_MS);
    }
    await expect.poll(() => figure(queue0, 'last-waiting'), POLL).toBe(3);
    await expect.poll(() => figure(broker0, 'max-waiters'), POLL).toBe(3);
    await expect.poll(() => figure(queue0, 'max-head'), POLL).toBeGreaterThan(0);

    // The lock changes hands down the queue, and other locks are taken and given back.
    await held.release();
    for (const grant of grants) {
      const lease = await grant;
      await sleep(PACE_MS);
      await lease.release();
    }
    for (let i = 0; i < 10; i++) await (await busy.acquire(`jobs/batch/${i % 3}`)).release();
    await expect.poll(() => figure(queue0, 'last-waiting'), POLL).toBe(0);
    await expect.poll(() => figure(queue0, 'last-head'), POLL).toBe(0);
    await expect.poll(() => figure(broker0, 'max-grants'), POLL).toBeGreaterThan(0);
    expect(await figure(broker0, 'max-sessions')).toBeGreaterThanOrEqual(5);
    expect(await figure(queue0, 'max-waiting')).toBe(3);
    expect(await figure(broker0, 'points')).toBeGreaterThan(pointsBefore);

    // A second queue, left waiting for the picture.
    await holder.acquire(path);
    waitFor(ada, path);
    waitFor(bob, path);
    await queued(broker, path, 2);
    await expect.poll(() => figure(queue0, 'last-waiting'), POLL).toBe(2);

    // The lines are on the canvas, in their colours: grants/s (accent), sessions (ok) and
    // waiters (warn) on the broker's; waiting (warn) and the head's wait (accent) on the lock's.
    const brokerPixels = await drawnPixels(broker0);
    expect(brokerPixels.accent).toBeGreaterThan(20);
    expect(brokerPixels.ok).toBeGreaterThan(20);
    expect(brokerPixels.warn).toBeGreaterThan(20);
    const queuePixels = await drawnPixels(queue0);
    expect(queuePixels.warn).toBeGreaterThan(20);
    expect(queuePixels.accent).toBeGreaterThan(20);
    // The legends give the newest values in words.
    await expect
      .poll(() => queue0.locator('[data-series=waiting] .chart-value').textContent(), POLL)
      .toBe('2');
    // The lists catch up too (they refresh at most once a second), for the picture.
    const locks = (): Promise<string[]> => page.locator('#locks td').allTextContents();
    await expect.poll(locks, POLL).toEqual(['jobs/render', 'holder', '2', expect.any(String)]);
    await screenshot(page, 'console-charts', true);
  });

  test('leave the console working, without charts, when the library cannot load', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { holder } = await clients(broker.url, ['holder']);
    await holder.acquire('a/held');
    const opened = await openConsole(admin.url, lockHash('a/held'), async (page) => {
      await page.route('**/console/uplot.js', (route) => route.fulfill({ status: 404, body: '' }));
    });
    const { page } = opened;
    await expect
      .poll(() => page.locator('#detail [data-field=name]').textContent(), POLL)
      .toBe('holder');
    await expect.poll(() => page.locator('#live').textContent(), POLL).toBe('live');
    await expect.poll(() => page.locator('#locks td').first().textContent(), POLL).toBe('a/held');
    // The figures are kept and the legend tells them; only the plots are missing.
    await expect.poll(() => figure(queueChart(page), 'last-waiting'), POLL).toBe(0);
    expect(await page.locator('canvas').count()).toBe(0);
    expect(opened.errors).toEqual([expect.stringContaining('the chart library did not load')]);
    opened.errors.length = 0; // the one error expected; the harness checks there is no other
  });

  test('keep one lock’s chart: another lock shown starts its own, the first is dropped', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const { holder, waiter, other } = await clients(broker.url, ['holder', 'waiter', 'other']);
    await holder.acquire('a/busy');
    waitFor(waiter, 'a/busy');
    waitFor(other, 'a/busy');
    await queued(broker, 'a/busy', 2);
    await holder.acquire('a/quiet');

    const { page } = await openConsole(admin.url, lockHash('a/busy'));
    await expect.poll(() => figure(queueChart(page), 'max-waiting'), POLL).toBe(2);
    await page.evaluate(`location.hash = ${JSON.stringify(lockHash('a/quiet'))}`);
    await expect.poll(() => page.locator('#detail h2 code').textContent(), POLL).toBe('a/quiet');
    await expect.poll(() => figure(queueChart(page), 'points'), POLL).toBeGreaterThan(0);
    // Nothing of a/busy's samples came along, and its plot is gone: the broker's and this one are left.
    expect(await figure(queueChart(page), 'max-waiting')).toBe(0);
    expect(await page.locator('figure[data-chart]').count()).toBe(2);
    expect(await page.locator('.uplot').count()).toBe(2);

    await page.evaluate(`location.hash = ${JSON.stringify(`#session=${holder.session}`)}`);
    await expect.poll(() => page.locator('figure[data-chart]').count(), POLL).toBe(1);
  });
});
