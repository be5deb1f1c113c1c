import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every module a file imports, as a repo-relative path or a package name. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const stat = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm;
  // Loaded on demand (`await import('…')`) is still an arrow.
  const dynamic = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  const specs = [...text.matchAll(stat), ...text.matchAll(dynamic)].map((m) => m[1] as string);
  return specs.map((s) =>
    s.startsWith('.') ? relative(ROOT, resolve(dirname(join(ROOT, file)), s)) : s,
  );
}

function offending(files: string[], bad: (spec: string, file: string) => boolean): string[] {
  return files.flatMap((f) =>
    importsOf(f)
      .filter((s) => bad(s, f))
      .map((s) => `${f} → ${s}`),
  );
}

describe('import arrows (shared ◄ client, shared ◄ server/core ◄ server/* ◄ server/main)', () => {
  it('keeps shared/ browser-safe and free of client and server', () => {
    const bad = (s: string): boolean =>
      s.startsWith('node:') ||
      s === 'ws' ||
      s === 'ioredis' ||
      s.startsWith('client') ||
      s.startsWith('server');
    expect(offending(sourceFiles('shared'), bad)).toEqual([]);
  });

  it('keeps client/ browser-safe, except the Node entry that injects ws', () => {
    const nodeEntry = (f: string): boolean => f === 'client/node.ts';
    const bad = (s: string, f: string): boolean =>
      s.startsWith('server') ||
      s === 'ioredis' ||
      ((s.startsWith('node:') || s === 'ws') && !nodeEntry(f));
    expect(offending(sourceFiles('client'), bad)).toEqual([]);
  });

  it('keeps server/core pure: no I/O, no timers, no clock, nothing outside core and shared', () => {
    const files = sourceFiles('server/core');
    // Hashing session secrets is a pure function; node:crypto is allowed for it alone.
    const bad = (s: string, f: string): boolean =>
      !(s.startsWith('server/core/') || s.startsWith('shared/')) &&
      !(s === 'node:crypto' && f === 'server/core/secret-hash.ts');
    expect(offending(files, bad)).toEqual([]);
    for (const f of files) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      expect(text, f).not.toMatch(/\b(Date\.|setTimeout|setInterval|performance\.|process\.)/);
    }
  });

  it('sees dynamic imports too', () => {
    expect(importsOf('server/broker.ts')).toContain('server/mirror/redis-mirror.js');
  });

  it('has the broker publish and the admin side subscribe: history and metrics never see the broker', () => {
    const broker = importsOf('server/broker.ts');
    expect(broker.filter((s) => /admin\/(history|metrics|event-stream)/.test(s))).toEqual([]);
    const admin = sourceFiles('server/admin');
    const bad = (s: string, f: string): boolean =>
      s === 'server/broker.js' && !f.endsWith('broker-admin.ts');
    expect(offending(admin, bad)).toEqual([]);
    expect(importsOf('server/admin/broker-admin.ts')).not.toContain('server/broker.js');
  });

  it('keeps client/ on the injected clock and timer, so its tests need no wall time', () => {
    for (const f of sourceFiles('client')) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      expect(text, f).not.toMatch(/\b(Date\.|setTimeout\(|setInterval\(|performance\.)/);
    }
  });

  it('keeps the conformance tests to the wire: nothing from shared/, client/ or the helpers that use them', () => {
    // The doc check alone reads the code, to hold PROTOCOL.md against it.
    const docCheck = (f: string): boolean => f === 'test/conformance/protocol-doc.test.ts';
    const files = sourceFiles('test/conformance');
    expect(files).toContain('test/conformance/peer.ts');
    const bad = (s: string, f: string): boolean =>
      !docCheck(f) &&
      (s.startsWith('shared/') || s.startsWith('client/') || s.startsWith('test/helpers/'));
    expect(offending(files, bad)).toEqual([]);
  });

  it('lets nothing but the CLI reach into the client from the server', () => {
    const bad = (s: string, f: string): boolean =>
      s.startsWith('client') && !f.startsWith('server/cli/');
    expect(offending(sourceFiles('server'), bad)).toEqual([]);
  });
});
