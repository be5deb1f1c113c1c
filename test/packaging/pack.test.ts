import { build, type Plugin } from 'esbuild';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAndPack,
  consumerProject,
  ROOT,
  run,
  runOk,
  startUntilLine,
} from '../helpers/packed-install.js';
import { freePort } from '../support/free-port.js';

// The packages as a user gets them: built, packed, installed from the tarballs
// into empty projects outside the repository (so nothing resolves through its
// node_modules), then used the ways the README says.

const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
};
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let temp: string;
let full: string; // both tarballs installed
let clientOnly: string; // the client tarball alone

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'baton-pack-'));
  const tarballs = await buildAndPack(join(temp, 'tarballs'));
  [full, clientOnly] = await Promise.all([
    consumerProject(join(temp, 'full'), [tarballs.client, tarballs.server]),
    consumerProject(join(temp, 'client-only'), [tarballs.client]),
  ]);
}, 180_000);

afterAll(() => {
  if (temp) rmSync(temp, { recursive: true, force: true });
});

const installed = (project: string, name: string): string =>
  join(project, 'node_modules', ...name.split('/'));
const manifestOf = (name: string): { dependencies: Record<string, string> } =>
  JSON.parse(readFileSync(join(installed(full, name), 'package.json'), 'utf8'));

/** The packages (not Node built-ins, not relative paths) that a package's modules import. */
function importedPackages(dir: string): Set<string> {
  const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
    (f) => f.endsWith('.js') && !f.startsWith('node_modules'),
  );
  const pattern =
    /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;
  const names = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(join(dir, file), 'utf8').matchAll(pattern)) {
      const spec = (m[1] ?? m[2]) as string;
      if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string));
    }
  }
  return names;
}

describe('the packed packages', () => {
  it('carry the top-level version, the licence, and no source maps', () => {
    for (const name of ['@baton-locks/client', '@baton-locks/server']) {
      const dir = installed(full, name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      expect(manifest.version).toBe(version);
      expect(readFileSync(join(dir, 'LICENSE'), 'utf8')).toContain('MIT License');
      const files = readdirSync(dir, { recursive: true }) as string[];
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    }
    const server = JSON.parse(
      readFileSync(join(installed(full, '@baton-locks/server'), 'package.json'), 'utf8'),
    );
    expect(server.dependencies['@baton-locks/client']).toBe(version);
  });

  it('declare every package their code imports, and the client only what it imports', () => {
    const client = importedPackages(installed(full, '@baton-locks/client'));
    expect([...client].sort()).toEqual(Object.keys(manifestOf('@baton-locks/client').dependencies));
    const server = importedPackages(installed(full, '@baton-locks/server'));
    const declared = Object.keys(manifestOf('@baton-locks/server').dependencies);
    expect([...server].filter((name) => !declared.includes(name))).toEqual([]);
    expect(server.has('ioredis') && server.has('@baton-locks/client')).toBe(true);
  });

  it('share one copy of the protocol code: the server re-exports the client', async () => {
    const stub = join(installed(full, '@baton-locks/server'), 'dist/shared/errors.js');
    expect(readFileSync(stub, 'utf8').trim()).toBe(
      "export * from '@baton-locks/client/internal/shared/errors.js';",
    );
    const script = `import * as client from '@baton-locks/client';
import * as server from '@baton-locks/server';
console.log(String(client.BatonError === server.BatonError));`;
    writeFileSync(join(full, 'same-class.mjs'), script);
    const { stdout } = await runOk(process.execPath, ['same-class.mjs'], full);
    expect(stdout.trim()).toBe('true');
  });

  it('read their own version at run time (what --version prints)', async () => {
    const script = `import { VERSION } from './node_modules/@baton-locks/server/dist/server/version.js';
console.log(VERSION);`;
    writeFileSync(join(full, 'version.mjs'), script);
    const { stdout } = await runOk(process.execPath, ['version.mjs'], full);
    expect(stdout.trim()).toBe(version);
  });
});

describe('npx baton server from the installed package', () => {
  it('starts, and a script importing @baton-locks/client acquires and releases', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    // --no: never fetch a `baton` from the registry (that name is someone else's package).
    const args = ['--no', 'baton', 'server', '--port', `${port}`, '--admin-port', `${adminPort}`];
    const broker = await startUntilLine('npx', args, full, /baton listening on (ws:\/\/\S+)/);
    try {
      const url = broker.match[1] as string;
      expect(url).toBe(`ws://127.0.0.1:${port}`);
      const script = `import { connect } from '@baton-locks/client';
const client = await connect({ url: process.argv[2] });
const first = await client.acquire('pack/check', { timeoutMs: 5000 });
await first.release();
const second = await client.acquire('pack/check', { timeoutMs: 5000 });
await second.release();
await client.close();
console.log(JSON.stringify([first.token, second.token]));`;
      writeFileSync(join(full, 'use-lock.mjs'), script);
      const { stdout } = await runOk(process.execPath, ['use-lock.mjs', url], full);
      const [first, second] = JSON.parse(stdout) as [number, number];
      expect(Number.isSafeInteger(first) && first > 0).toBe(true);
      expect(second).toBeGreaterThan(first);
    } finally {
      await broker.stop();
    }
  }, 60_000);
});

describe('the types, checked by tsc in a consumer project', () => {
  const flags = [
    '--noEmit',
    '--strict',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--skipLibCheck',
    'false',
    '--types',
    'node',
    '--typeRoots',
    join(ROOT, 'node_modules/@types'),
  ];
  const imports = `import { connect, BatonError, type ClientOptions, type Lease } from '@baton-locks/client';
import { connect as connectInBrowser } from '@baton-locks/client/browser';
import { createBroker, BatonError as ServerError } from '@baton-locks/server';
`;

  it('resolve both entries of the client, and the server', async () => {
    const good = `${imports}
const options: ClientOptions = { url: 'ws://127.0.0.1:7070', sessionTtlMs: 10_000 };
export async function take(path: string): Promise<number> {
  const client = await connect(options);
  const lease: Lease = await client.acquire(path, { timeoutMs: 1_000 });
  await lease.release();
  await client.close();
  return lease.token;
}
export const inBrowser: typeof connect = connectInBrowser;
export const isBaton = (e: unknown): string | null => (e instanceof BatonError ? e.code : null);
export const oneClass: typeof ServerError = BatonError;
export const broker = await createBroker({ transport: { port: 0 } });
`;
    writeFileSync(join(full, 'good.mts'), good);
    const result = await run(process.execPath, [TSC, ...flags, 'good.mts'], full);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  it('and reject a consumer that misuses them', async () => {
    const wrong = `${imports}
export async function take(): Promise<string> {
  const client = await connect({ url: 'ws://127.0.0.1:7070', sessionTtl: 10 });
  const lease = await connectInBrowser({ url: 'x' }).then((c) => c.acquire('a'));
  const token: string = lease.token;
  await client.close();
  return token;
}
export const code = (e: BatonError): number => e.code;
`;
    writeFileSync(join(full, 'wrong.mts'), wrong);
    const result = await run(process.execPath, [TSC, ...flags, 'wrong.mts'], full);
    expect(result.code).not.toBe(0);
    const errors = result.stdout.split('\n').filter((line) => line.startsWith('wrong.mts('));
    expect(errors).toHaveLength(3); // the unknown option, the token's type, the code's type
  }, 60_000);
});

describe('the browser entry', () => {
  // Refuses Node's built-ins and `ws`: esbuild would take `ws`'s browser stub
  // (which throws at run time) without a word.
  const nodeOnly: Plugin = {
    name: 'node-only',
    setup(b) {
      const names = new Set([...builtinModules, 'ws']);
      b.onResolve({ filter: /.*/ }, ({ path }) =>
        names.has(path) || path.startsWith('node:')
          ? { errors: [{ text: `imports ${path}, which a browser does not have` }] }
          : undefined,
      );
    },
  };
  const bundle = (entry: string): Promise<unknown> =>
    build({
      stdin: { contents: `export { connect } from '${entry}';`, resolveDir: clientOnly },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [nodeOnly],
    });

  it('bundles for a browser without Node built-ins', async () => {
    const result = (await bundle('@baton-locks/client/browser')) as {
      outputFiles: { text: string }[];
    };
    expect(result.outputFiles[0]?.text).toContain('BatonError');
  }, 60_000);

  it('while the Node entry, bundled the same way, fails on ws', async () => {
    await expect(bundle('@baton-locks/client')).rejects.toThrow(/imports ws/);
  }, 60_000);
});

describe('a client-only install', () => {
  it('pulls in no Redis, logging or metrics packages', () => {
    for (const name of ['ioredis', 'prom-client', 'pino', 'pino-pretty', 'nanoid', 'commander']) {
      expect(existsSync(installed(clientOnly, name)), name).toBe(false);
    }
    for (const name of ['ws', 'msgpackr', '@baton-locks/client']) {
      expect(existsSync(installed(clientOnly, name)), name).toBe(true);
    }
  });
});
