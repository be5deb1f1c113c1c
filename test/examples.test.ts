import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { context, type BuildContext } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { eventually, spawnNode, startBroker, startClient, tempDir } from './helpers/harness.js';
import { freePort } from './support/free-port.js';
import { launchChromium, openPage } from './server/admin/console/chromium.js';

// The examples as a user runs them: compiled or bundled against the built
// packages (`@baton-locks/client` resolves to packages/client through the
// workspace link), the CLI as `baton` on PATH.
const ROOT = join(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

/**
 * A directory with `baton` in it, running the server package's bin. Not
 * node_modules/.bin: npm links a workspace's bin before `prepare` builds it,
 * so on a fresh `npm ci` the link is missing, and a rebuild leaves the file
 * without its execute bit.
 */
function batonOnPath(): string {
  const pkg = join(ROOT, 'node_modules/@baton-locks/server');
  const { bin } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
    bin: { baton: string };
  };
  const dir = tempDir();
  const shim = join(dir, 'baton');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${join(pkg, bin.baton)}" "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end (killed by pid after `timeoutMs`), with stdout and stderr together. */
function runToEnd(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
      reject(
        new Error(`${command} ${args.join(' ')} still running after ${timeoutMs} ms:\n${output}`),
      );
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Type-checks (and for the worker, compiles) the examples against the built packages. */
beforeAll(async () => {
  const checks = await Promise.all([
    runToEnd(process.execPath, [TSC, '-p', join(EXAMPLES, 'worker')]),
    runToEnd(process.execPath, [TSC, '-p', join(EXAMPLES, 'browser')]),
  ]);
  for (const check of checks) expect(check).toEqual({ code: 0, output: '' });
}, 120_000);

// What the examples build is git-ignored, but a test run leaves the tree as it found it.
afterAll(() => {
  for (const dir of ['worker/dist', 'browser/dist']) {
    rmSync(join(EXAMPLES, dir), { recursive: true, force: true });
  }
});

describe('the worker example', () => {
  const worker = join(EXAMPLES, 'worker/dist/worker.js');

  it('runs each job under its lock, writes with the token and ends its session', async () => {
    const broker = await startBroker();
    const child = spawnNode([worker, 'job-a', 'job-b'], {
      BATON_URL: broker.url,
      JOB_STEP_MS: '5',
    });
    expect(await child.exited).toEqual({ code: 0, signal: null });
    const tokens = child.lines.flatMap(
      (l) => l.match(/^job-\w: holding jobs\/job-\w with token (\d+)$/)?.[1] ?? [],
    );
    expect(tokens).toHaveLength(2);
    expect(Number(tokens[1])).toBeGreaterThan(Number(tokens[0]));
    expect(child.lines).toContain(`store: job-a/step-3 = done (token ${tokens[0]})`);
    expect(child.lines).toContain('job-b: done');
    expect(child.lines.at(-1)).toBe('all jobs handled');
    // `await using` released the leases and closed the client on the way out.
    expect(broker.views.counts()).toMatchObject({ sessions: 0, locksHeld: 0 });
  });

  it('stops a job whose lock is taken back (LOCK_LOST through lease.signal) and goes on', async () => {
    const broker = await startBroker();
    const child = spawnNode([worker, 'job-a', 'job-b'], {
      BATON_URL: broker.url,
      JOB_STEP_MS: '1000',
    });
    await child.waitForLine(/^job-a: holding jobs\/job-a/);
    expect(broker.forceRelease('jobs/job-a')).not.toBeNull();
    expect(await child.exited).toEqual({ code: 0, signal: null });
    expect(child.lines).toContainEqual(
      expect.stringMatching(/^job-a: lost the lock \(.*took the lock back\); not finishing it$/),
    );
    expect(child.lines.filter((l) => l.startsWith('store: job-a/'))).toEqual([]);
    expect(child.lines).toContain('job-b: done');
  });
});

describe('the cron example', () => {
  const script = join(EXAMPLES, 'cron/nightly-report.sh');
  const env = (url: string): NodeJS.ProcessEnv => ({
    BATON_URL: url,
    PATH: `${batonOnPath()}:${process.env.PATH ?? ''}`,
  });

  it('runs the report under the lock, with the token in BATON_TOKEN', async () => {
    const broker = await startBroker();
    const { code, output } = await runToEnd('sh', [script], env(broker.url));
    expect(output).toMatch(
      /^report\.js: nightly-report held with token \d+; total 31 over 8 rows$/m,
    );
    expect(code).toBe(0);
    await eventually(() =>
      broker.views.queue('nightly-report').holder === null ? true : undefined,
    );
  });

  it('skips the night when another host holds the lock (--nonblock)', async () => {
    const broker = await startBroker();
    const other = await startClient(broker.url);
    const lease = await other.acquire('nightly-report');
    const { code, output } = await runToEnd('sh', [script], env(broker.url));
    expect(output).toContain('nightly-report: another host is running it; skipped');
    expect(output).not.toContain('report.js:');
    expect(code).toBe(0);
    // It did not queue: the lock is still the other host's, with nobody waiting behind it.
    expect(broker.views.queue('nightly-report')).toMatchObject({
      holder: { token: lease.token },
      queue: [],
    });
  });
});

describe('the browser example', () => {
  let browser: Browser;
  let site: BuildContext;
  let origin: string;

  beforeAll(async () => {
    browser = await launchChromium();
    // What `npm start` in examples/browser does, on a free port.
    const dir = join(EXAMPLES, 'browser');
    site = await context({
      entryPoints: [join(dir, 'lock-page.ts')],
      bundle: true,
      format: 'esm',
      target: 'es2022',
      outdir: join(dir, 'dist'),
      logLevel: 'silent',
    });
    const { port } = await site.serve({ servedir: dir, host: '127.0.0.1', port: await freePort() });
    origin = `http://127.0.0.1:${port}`;
  }, 60_000);

  afterAll(async () => {
    await site?.dispose();
    await browser?.close();
  });

  it('takes a lock from the page and releases it', async () => {
    const broker = await startBroker({ transport: { allowedOrigins: [origin] } });
    const path = 'demo/browser-page';
    const opened = await openPage(browser, `${origin}/?broker=${encodeURIComponent(broker.url)}`);
    onTestFinished(() => opened.close());
    const { page } = opened;
    const status = page.locator('#status');
    await expect.poll(() => status.textContent()).toBe('connected');
    await page.click('#take');
    await expect
      .poll(() => status.textContent())
      .toMatch(/^holding demo\/browser-page with token \d+$/);
    const token = Number((await status.textContent())?.split(' ').at(-1));
    expect(broker.views.queue(path).holder?.token).toBe(token);
    await page.click('#release');
    await expect.poll(() => status.textContent()).toBe(`released ${path}`);
    await eventually(() => (broker.views.queue(path).holder === null ? true : undefined));
    expect(opened.errors).toEqual([]);
  });

  it('stops waiting when asked, and shows ABORTED with its cause', async () => {
    const broker = await startBroker({ transport: { allowedOrigins: [origin] } });
    const holder = await startClient(broker.url);
    await holder.acquire('demo/browser-page');
    const opened = await openPage(browser, `${origin}/?broker=${encodeURIComponent(broker.url)}`);
    onTestFinished(() => opened.close());
    const { page } = opened;
    const status = page.locator('#status');
    await expect.poll(() => status.textContent()).toBe('connected');
    await page.click('#take');
    await eventually(() =>
      broker.views.queue('demo/browser-page').queue.length === 1 ? true : undefined,
    );
    await page.click('#cancel');
    await expect
      .poll(() => status.textContent())
      .toBe('ABORTED: acquire of demo/browser-page was aborted (stopped from the page)');
    await eventually(() =>
      broker.views.queue('demo/browser-page').queue.length === 0 ? true : undefined,
    );
  });
});
