import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  defaultMaxConnections,
  defaultMaxTableBytes,
  resolveBrokerOptions,
} from '../../server/broker-options.js';
import { openFilesLimit, SPARE_FILES } from '../../server/system-limits.js';
import { CLI, tempDir } from '../helpers/harness.js';

/**
 * Starts `baton server` under `ulimit -n files`; resolves with its stderr
 * lines once it logs that it listens (the warning comes before that line).
 */
async function serverUnderFileLimit(files: number, flags: string[]): Promise<string[]> {
  const args = [CLI, 'server', '--port', '0', '--data-dir', tempDir(), '--no-admin', ...flags];
  const quoted = [process.execPath, ...args].map((a) => `'${a}'`).join(' ');
  const child = spawn('bash', ['-c', `ulimit -n ${files} && exec ${quoted}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const stderr: string[] = [];
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stderr }).on('line', (l) => {
      stderr.push(l);
      if (l.includes('listening on')) resolve();
    });
    child.on('exit', () => reject(new Error(`exited: ${stderr.join('\n')}`)));
  });
  return stderr;
}

describe('limits sized from the system', () => {
  it('keeps maxConnections below the open-files limit by what the broker needs itself', () => {
    expect(defaultMaxConnections(512)).toBe(512 - SPARE_FILES);
    expect(defaultMaxConnections(300)).toBe(150);
    expect(defaultMaxConnections(1_048_576)).toBe(50_000);
    expect(defaultMaxConnections(null)).toBe(10_000);
    const limit = openFilesLimit();
    expect(limit).toBeGreaterThan(0);
    expect(resolveBrokerOptions().transport.maxConnections).toBe(defaultMaxConnections(limit));
    expect(resolveBrokerOptions({ limits: { maxConnections: 7 } }).transport.maxConnections).toBe(
      7,
    );
  });

  it('sizes the memory budget at a quarter of the heap limit unless given', () => {
    expect(defaultMaxTableBytes(4 * 1024 ** 3)).toBe(1024 ** 3);
    expect(resolveBrokerOptions().table.maxTableBytes).toBe(defaultMaxTableBytes());
    expect(resolveBrokerOptions({ limits: { maxTableBytes: 5_000 } }).table.maxTableBytes).toBe(
      5_000,
    );
  });

  it('refuses a limit out of range, naming it', () => {
    expect(() => resolveBrokerOptions({ limits: { frameRatePerSec: 0 } })).toThrow(
      /limits.frameRatePerSec must be an integer/,
    );
    expect(() => resolveBrokerOptions({ limits: { maxDetachedMs: -1 } })).toThrow(/maxDetachedMs/);
  });

  it('warns at start when the open-files limit is below what maxConnections needs', async () => {
    const lines = await serverUnderFileLimit(400, ['--max-connections', '1000']);
    const warning = lines.find((l) => l.includes('open-files limit'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({
      openFilesLimit: 400,
      needed: 1_000 + SPARE_FILES,
    });
  });

  it('says nothing when the default cap fits under the limit', async () => {
    const lines = await serverUnderFileLimit(1_024, []);
    expect(lines.filter((l) => l.includes('open-files limit'))).toEqual([]);
  });
});
