import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The kit's entry: browser-safe like the rest of client/, and published as a subpath.

const ROOT = join(import.meta.dirname, '../../..');

describe('@baton-locks/client/fencing', () => {
  it('bundles for a browser with no Node built-ins and no package of its own', async () => {
    const imported: string[] = [];
    await build({
      entryPoints: [join(ROOT, 'client/fencing/index.ts')],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [
        {
          name: 'record-bare-imports',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, ({ path }) => {
              imported.push(path);
              return { external: true };
            });
          },
        },
      ],
    });
    // Nothing bare at all: no `node:*`, no `ws`, no Redis or PostgreSQL package.
    expect(imported).toEqual([]);
  });

  it('is in both manifests’ exports, pointing at files the build writes', () => {
    const read = (file: string): { exports: Record<string, { types: string; default: string }> } =>
      JSON.parse(readFileSync(join(ROOT, file), 'utf8'));
    const entries = [
      { dir: ROOT, entry: read('package.json').exports['./client/fencing'] },
      {
        dir: join(ROOT, 'packages/client'),
        entry: read('packages/client/package.json').exports['./fencing'],
      },
    ];
    for (const { dir, entry } of entries) {
      expect(entry).toEqual({
        types: './dist/client/fencing/index.d.ts',
        default: './dist/client/fencing/index.js',
      });
      // `npm test` builds before vitest runs; packages/build.mjs lays out packages/client/dist.
      expect(existsSync(join(dir, entry!.default)), join(dir, entry!.default)).toBe(true);
      expect(existsSync(join(dir, entry!.types)), join(dir, entry!.types)).toBe(true);
    }
  });
});
