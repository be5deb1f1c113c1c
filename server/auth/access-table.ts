import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../core/secret-hash.js';
import type { PrincipalEntry } from './auth-file.js';

/** A principal as the broker checks it: its prefixes by right, with none inside another. */
export interface Principal {
  readonly name: string;
  /** Prefixes it may lock under; `''` is every path. */
  readonly lock: readonly string[];
  /** Prefixes it may administer (views, force-release, end-session). */
  readonly admin: readonly string[];
}

/**
 * Whether `path` lies under one of `prefixes`: O(number of prefixes), and it
 * allocates nothing, so it can sit on the acquire path.
 */
export function underAny(prefixes: readonly string[], path: string): boolean {
  for (let i = 0; i < prefixes.length; i++) {
    if (path.startsWith(prefixes[i] as string)) return true;
  }
  return false;
}

/** Drops the prefixes another one covers already (`a/` covers `a/b/`), so checks stay short. */
function narrowest(prefixes: string[]): string[] {
  const sorted = [...new Set(prefixes)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const p of sorted) if (!underAny(kept, p)) kept.push(p);
  return kept;
}

/**
 * The principals of one auth file, found by the hash of a token or by the
 * subject of a client certificate. Built once per (re)load; immutable.
 */
export class AccessTable {
  private readonly byName = new Map<string, Principal>();
  private readonly byHash = new Map<string, { principal: Principal; digest: Buffer }>();
  private readonly bySubject = new Map<string, Principal>();

  constructor(entries: readonly PrincipalEntry[]) {
    for (const e of entries) {
      const rights = (right: 'lock' | 'admin'): string[] =>
        narrowest(e.allow.filter((a) => a.rights.includes(right)).map((a) => a.prefix));
      const principal: Principal = Object.freeze({
        name: e.name,
        lock: Object.freeze(rights('lock')),
        admin: Object.freeze(rights('admin')),
      });
      this.byName.set(e.name, principal);
      if (e.tokenSha256 !== null) {
        const digest = Buffer.from(e.tokenSha256, 'hex');
        this.byHash.set(e.tokenSha256, { principal, digest });
      }
      if (e.certSubject !== null) this.bySubject.set(e.certSubject, principal);
    }
  }

  get size(): number {
    return this.byName.size;
  }

  /** The principal named so, if the current file still has it. */
  principal(name: string): Principal | undefined {
    return this.byName.get(name);
  }

  /**
   * Who a token names: the token is hashed and the hash looked up, so the
   * time taken says nothing about how close a wrong token came.
   */
  byToken(token: string): Principal | null {
    const digest = sha256(token);
    const found = this.byHash.get(digest.toString('hex'));
    return found && timingSafeEqual(found.digest, digest) ? found.principal : null;
  }

  /**
   * Who a connection is: by its token when it shows one (a wrong token is
   * refused even beside a good certificate), else by its certificate's subject.
   */
  authenticate(token: string | null, certSubject: string | null): Principal | null {
    if (token !== null) return this.byToken(token);
    if (certSubject !== null) return this.bySubject.get(certSubject) ?? null;
    return null;
  }
}
