import { fileURLToPath } from 'node:url';

/**
 * A file of the source tree by its path from the repository root. The bench
 * runs from `.bench-out/bench/<folder>/` (tsconfig.bench.json), three levels
 * below the root, and reads or writes the tree beside it: bench/README.md,
 * the broker of the build in dist/, the peers' own package.
 */
export function repoPath(path: string): string {
  return fileURLToPath(new URL(`../../../${path}`, import.meta.url));
}
