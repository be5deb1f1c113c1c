import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root. */
export const ROOT = join(import.meta.dirname, '../..');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for npm and the packed CLI. `npm test` hands its scripts
 * `npm_config_*`, `npm_package_*` and `npm_lifecycle_*` variables that
 * describe this repository; an `npm install` in a consumer project must not
 * see them, or it may act on the repository instead.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !keep.has(key.toLowerCase())) continue;
    if (key === 'INIT_CWD') continue;
    env[key] = value;
  }
  return env;
}

/** Runs a command to its end (killed after `timeoutMs`); never rejects, the caller reads `code`. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: cleanEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Like `run`, but throws with the command's output when it fails. */
export async function runOk(cmd: string, args: string[], cwd: string): Promise<Run> {
  const result = await run(cmd, args, cwd);
  if (result.code !== 0) {
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${result.code}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** Builds the repository and packs both packages into `outDir`; returns the tarballs' paths. */
export async function buildAndPack(outDir: string): Promise<{ client: string; server: string }> {
  await runOk('npm', ['run', 'build'], ROOT);
  const { stdout } = await runOk(process.execPath, [join(ROOT, 'packages/pack.mjs'), outDir], ROOT);
  const [client, server] = stdout.trim().split('\n');
  if (!client?.includes('client') || !server?.includes('server')) {
    throw new Error(`unexpected pack output: ${stdout}`);
  }
  return { client, server };
}

/** An empty ESM project in `dir` with the given tarballs installed from disk. */
export async function consumerProject(dir: string, tarballs: string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: 'consumer', private: true, type: 'module' };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
  await runOk(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs],
    dir,
  );
  return dir;
}

export interface Started {
  /** The first stdout line that matched. */
  match: RegExpMatchArray;
  /** Ends the whole process group (npx, the shell it may start, the broker) and waits. */
  stop(): Promise<void>;
}

/**
 * Starts a command in its own process group and waits for a stdout line.
 * `npx` runs the bin as a child of its own and forwards no SIGKILL, so the
 * group, led by the pid we started, is what gets killed.
 */
export function startUntilLine(
  cmd: string,
  args: string[],
  cwd: string,
  pattern: RegExp,
  timeoutMs = 30_000,
): Promise<Started> {
  const child = spawn(cmd, args, {
    cwd,
    env: cleanEnv(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  };
  const output: string[] = [];
  createInterface({ input: child.stderr! }).on('line', (line) => output.push(`[stderr] ${line}`));
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop().then(() => reject(new Error(`${cmd} ${why}; output:\n${output.join('\n')}`)));
    };
    const timer = setTimeout(() => fail(`printed no ${pattern} in ${timeoutMs} ms`), timeoutMs);
    const early = (code: number | null): void =>
      fail(`exited (${code}) before printing ${pattern}`);
    child.once('exit', early);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      output.push(line);
      const match = line.match(pattern);
      if (!match) return;
      clearTimeout(timer);
      child.off('exit', early);
      resolve({ match, stop });
    });
  });
}
