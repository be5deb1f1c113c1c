import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The packages' manifests against the top-level one, without building: the
// version is written in one place, and a dependency has one version everywhere.

const ROOT = join(import.meta.dirname, '../..');

interface Manifest {
  name: string;
  version?: string;
  private?: boolean;
  workspaces?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const read = (file: string): Manifest =>
  JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as Manifest;
const root = read('package.json');
const packages = [read('packages/client/package.json'), read('packages/server/package.json')];

describe('package manifests', () => {
  it('are the workspaces of a private top-level package that holds the version', () => {
    expect(root.private).toBe(true);
    expect(root.workspaces).toEqual(['packages/client', 'packages/server']);
    expect(root.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(packages.map((p) => p.name)).toEqual(['@baton-locks/client', '@baton-locks/server']);
    // packages/pack.mjs stamps the top-level version in; a second one here would drift.
    expect(packages.map((p) => p.version)).toEqual([undefined, undefined]);
  });

  it('pin each dependency to the version the top level uses', () => {
    const pinned = { ...root.devDependencies, ...root.dependencies };
    const drift = packages.flatMap((p) =>
      Object.entries(p.dependencies ?? {})
        .filter(([name, spec]) => name in pinned && pinned[name] !== spec)
        .map(([name, spec]) => `${p.name}: ${name}@${spec}, top level ${pinned[name]}`),
    );
    expect(drift).toEqual([]);
    const exact = packages.flatMap((p) =>
      Object.entries(p.dependencies ?? {})
        .filter(
          ([name, spec]) => !name.startsWith('@baton-locks/') && !/^\d+\.\d+\.\d+$/.test(spec),
        )
        .map(([name, spec]) => `${p.name}: ${name}@${spec}`),
    );
    expect(exact).toEqual([]);
  });

  it('let the server take the client from the workspace (pack.mjs pins the version)', () => {
    expect(packages[1]?.dependencies?.['@baton-locks/client']).toBe('*');
  });
});
