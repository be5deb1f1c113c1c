import { AccessTable, underAny, type Principal } from './access-table.js';
import { AuthFileError, readAuthFile } from './auth-file.js';

/** How a reload went: how many principals the file now has, or why the old ones stay. */
export type ReloadResult = { ok: true; principals: number } | { ok: false; error: string };

/**
 * The broker's view of its auth file: the principals loaded last, swapped
 * whole on a good reload. Connections keep only a principal's name, so a
 * removed or narrowed principal is refused its next request at once, while
 * what it already holds stays until released or expired.
 */
export class Access {
  private table: AccessTable;

  /** Reads `file`; throws an {@link AuthFileError} naming the line when it cannot be used. */
  constructor(readonly file: string) {
    this.table = new AccessTable(readAuthFile(file));
  }

  get principals(): AccessTable {
    return this.table;
  }

  /** Reads the file again; on any fault the principals loaded before stay. */
  reload(): ReloadResult {
    try {
      this.table = new AccessTable(readAuthFile(this.file));
      return { ok: true, principals: this.table.size };
    } catch (err) {
      if (!(err instanceof AuthFileError)) throw err;
      return { ok: false, error: err.message };
    }
  }

  /** Who shows `token` (else `certSubject`), or null. */
  authenticate(token: string | null, certSubject: string | null): Principal | null {
    return this.table.authenticate(token, certSubject);
  }

  /** Whether the principal named `name` may lock `path` now. */
  mayLock(name: string | null, path: string): boolean {
    const principal = name === null ? undefined : this.table.principal(name);
    return principal !== undefined && underAny(principal.lock, path);
  }
}
