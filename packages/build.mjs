// Lays out the two npm packages from the repository's build (dist/), after `tsc`:
//
//   packages/client/dist/{client,shared}/   the client SDK and the protocol code
//   packages/server/dist/server/            the broker, CLI, admin API, console files, Lua scripts
//   packages/server/dist/{client,shared}/   one-line stubs that re-export @baton-locks/client
//
// Why stubs: the compiled server imports `../shared/errors.js` and `../../client/node.js`
// relatively, as the repository's folders are laid out. The server package must not carry a
// second copy of that code (a second `BatonError` class would make `instanceof` fail across
// the two packages, and two codecs could drift), so in its place sits a module per file that
// only says `export * from '@baton-locks/client/internal/<dir>/<file>.js'`. The compiled
// server stays byte for byte what tsc wrote; only the modules it reaches through `..` change.
// The client package exposes those files under `./internal/*` for this use alone.
//
// No source maps: the packages ship no TypeScript sources for a map to point at, so the maps
// stay out and the `sourceMappingURL` comment that names them is dropped from each module.
//
// Versions are not written here: the packages' manifests carry none, and packages/pack.mjs
// stamps the top-level package.json's version into each packed manifest.
import {
  chmodSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = join(root, 'dist');
const clientOut = join(root, 'packages/client/dist');
const serverOut = join(root, 'packages/server/dist');

/** Copies a built folder without its source maps and without the comments that name them. */
function copyBuilt(from, to) {
  cpSync(from, to, { recursive: true, filter: (path) => !path.endsWith('.js.map') });
  for (const file of listFiles(to)) {
    if (!file.endsWith('.js')) continue;
    const text = readFileSync(file, 'utf8');
    const stripped = text.replace(/\n\/\/# sourceMappingURL=\S+\.js\.map\s*$/, '\n');
    if (stripped !== text) writeFileSync(file, stripped);
  }
}

/** Every file under a folder, as full paths. */
function listFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** A `.js` and a `.d.ts` stub in the server package for each module of one client-package folder. */
function writeStubs(dir) {
  const out = join(serverOut, dir);
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(join(clientOut, dir))) {
    const name = file.endsWith('.d.ts') ? file.slice(0, -'.d.ts'.length) : null;
    if (name === null) continue;
    const line = `export * from '@baton-locks/client/internal/${dir}/${name}.js';\n`;
    writeFileSync(join(out, `${name}.js`), line);
    writeFileSync(join(out, `${name}.d.ts`), line);
  }
}

rmSync(clientOut, { recursive: true, force: true });
rmSync(serverOut, { recursive: true, force: true });
copyBuilt(join(built, 'client'), join(clientOut, 'client'));
copyBuilt(join(built, 'shared'), join(clientOut, 'shared'));
copyBuilt(join(built, 'server'), join(serverOut, 'server'));
writeStubs('client');
writeStubs('shared');
// The `baton` bin: tsc writes it without the execute bit, and npm links it as it stands.
chmodSync(join(serverOut, 'server/main.js'), 0o755);
chmodSync(join(built, 'server/main.js'), 0o755);
