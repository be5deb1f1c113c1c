import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Variables naming the browser to use, first set wins; CHROME_PATH is what other tools read. */
const PATH_VARIABLES = ['BATON_CHROMIUM', 'CHROME_PATH'] as const;

/** Debian's package (what `.ci/run` installs) first, then Ubuntu's and Google's. */
const KNOWN_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

/** Names searched on PATH when none of the known paths exists (a snap, a local install). */
const PROGRAM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The Chromium to drive: `$BATON_CHROMIUM`, `$CHROME_PATH`, a known install
 * path, or the first on PATH. Playwright's own browser download does not
 * work here, so there is no fallback to it: a missing browser fails the
 * tests with what to install rather than skipping them.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  for (const name of PATH_VARIABLES) {
    const path = env[name];
    if (!path) continue;
    // A path set on purpose but wrong is an error, not a reason to pick another browser.
    if (isExecutableFile(path)) return path;
    throw new Error(`${name}=${path} is not an executable file; point it at Chromium or unset it`);
  }
  const onPath = (env['PATH'] ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '')
    .flatMap((dir) => PROGRAM_NAMES.map((program) => join(dir, program)));
  const found = [...KNOWN_PATHS, ...onPath].find(isExecutableFile);
  if (found !== undefined) return found;
  throw new Error(
    'No Chromium for the console tests: install it (Debian/Ubuntu: apt-get install -y chromium) ' +
      `or set BATON_CHROMIUM to its executable. Looked at ${KNOWN_PATHS.join(', ')} ` +
      `and for ${PROGRAM_NAMES.join(', ')} on PATH.`,
  );
}

/**
 * Headless, and quiet on the network: without the background-networking
 * flags Chromium keeps dialling Google's hosts, which this sandbox refuses.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts Chromium with a fresh profile (Playwright makes a new user-data-dir and removes it on close). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: 30_000,
  });
}

export interface ConsolePage {
  page: Page;
  /** Uncaught errors and console.error lines of the page so far (a render that threw, say). */
  errors: string[];
  close(): Promise<void>;
}

/**
 * Opens `url` in a context of its own, so every page starts with empty
 * sessionStorage; `prepare` runs before the page loads (to route requests, say).
 */
export async function openPage(
  browser: Browser,
  url: string,
  prepare?: (page: Page) => Promise<void>,
): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    // The browser logs every 4xx answer; the console handles those itself.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      errors.push(msg.text());
    }
  });
  await prepare?.(page);
  await page.goto(url);
  return { page, errors, close: () => context.close() };
}
