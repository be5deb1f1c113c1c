import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFinished } from 'vitest';
import type { BatonClient } from '../../../../client/node.js';
import type { Lease } from '../../../../client/lease.js';
import type { Broker } from '../../../../server/broker.js';
import { eventually, startClient } from '../../../helpers/harness.js';
import { launchChromium, openPage, type ConsolePage } from './chromium.js';

const ROOT = join(import.meta.dirname, '../../../..');
const ARTIFACTS = join(ROOT, 'test-artifacts');
/** The README's picture; rewritten only when asked, so a test run leaves the tree clean. */
const README_SCREENSHOT = join(ROOT, 'server/admin/console-screenshot.png');

export const POLL = { timeout: 10_000, interval: 50 };

/**
 * One Chromium for the test file, started before its tests and closed after
 * them. Returns how to open the console at `hash` (`#lock=…`, `#session=…`),
 * with `prepare` run before it loads; the page is closed when the test ends,
 * and it must not have thrown nor logged an error.
 */
export function useConsole(): (
  adminUrl: string,
  hash?: string,
  prepare?: (page: Page) => Promise<void>,
) => Promise<ConsolePage> {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return async (adminUrl, hash = '', prepare) => {
    const opened = await openPage(browser, `${adminUrl}/${hash}`, prepare);
    onTestFinished(async () => {
      await opened.close();
      expect(opened.errors).toEqual([]);
    });
    return opened;
  };
}

/**
 * Saves the page as test-artifacts/`name`.png, and as the README's picture
 * when BATON_UPDATE_SCREENSHOT is set.
 */
export async function screenshot(page: Page, name: string, forReadme = false): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const shot = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: shot, fullPage: true });
  if (forReadme && process.env.BATON_UPDATE_SCREENSHOT) copyFileSync(shot, README_SCREENSHOT);
}

export const lockHash = (path: string): string => `#lock=${encodeURIComponent(path)}`;

/** Resolves once `path` has `count` waiters, so acquires queue in the order the test makes them. */
export function queued(broker: Broker, path: string, count: number): Promise<true> {
  const check = (): true | undefined =>
    broker.admin.lock(path, {})?.queue.total === count ? true : undefined;
  return eventually(check, 5_000, `${count} waiters on ${path}`);
}

/** An acquire left waiting; when its client closes at the end of the test, its rejection is expected. */
export function waitFor(client: BatonClient, path: string): Promise<Lease> {
  const grant = client.acquire(path);
  grant.catch(() => {});
  return grant;
}

/** One SDK client per name (the name operators see), closed when the test ends. */
export async function clients<N extends string>(
  url: string,
  names: N[],
): Promise<Record<N, BatonClient>> {
  const started = await Promise.all(names.map((name) => startClient(url, { name })));
  return Object.fromEntries(names.map((name, i) => [name, started[i]])) as Record<N, BatonClient>;
}
