// Packs @baton-locks/client and @baton-locks/server into tarballs, after `npm run build`:
//
//   node packages/pack.mjs [OUT_DIR]     (OUT_DIR defaults to .packs/)
//
// The version lives in one place, the top-level package.json. The packages' own manifests
// carry none (npm workspaces need none), so they cannot be packed or published by mistake
// with a stale one. This script copies each package to a staging folder, writes the
// top-level version into its manifest and the server's dependency on the client (the same
// version, exactly), adds the top-level LICENSE, and runs `npm pack` there.
//
// To publish, pack, then `npm publish OUT_DIR/baton-locks-client-X.Y.Z.tgz` (client first,
// since the server depends on it) and the same for the server tarball.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const { version } = readJson(join(root, 'package.json'));

/** Stages one package with its version stamped in and packs it; returns the tarball's path. */
function pack(name, outDir) {
  const source = join(root, 'packages', name);
  const stage = mkdtempSync(join(tmpdir(), `baton-pack-${name}-`));
  try {
    for (const entry of ['dist', 'README.md'])
      cpSync(join(source, entry), join(stage, entry), { recursive: true });
    cpSync(join(root, 'LICENSE'), join(stage, 'LICENSE'));
    const manifest = stampVersion(readJson(join(source, 'package.json')));
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', outDir], {
      cwd: stage,
      encoding: 'utf8',
    });
    const [{ filename }] = JSON.parse(out);
    return join(outDir, filename);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The manifest with the version put in after `name`, and any dependency on a sibling pinned to it. */
function stampVersion({ name, ...rest }) {
  const manifest = { name, version, ...rest };
  const deps = manifest.dependencies ?? {};
  for (const dep of Object.keys(deps)) if (dep.startsWith('@baton-locks/')) deps[dep] = version;
  return manifest;
}

const outDir = resolve(process.argv[2] ?? join(root, '.packs'));
mkdirSync(outDir, { recursive: true });
for (const name of ['client', 'server']) console.log(pack(name, outDir));
