import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../core/secret-hash.js';
import { bearerToken } from '../transport/upgrade-check.js';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './admin-options.js';
import type { AdminPrincipal } from './admin-types.js';

/**
 * Who is calling the admin API. `scope` null: everything (the admin token,
 * a principal with admin rights on `""`, or local users of an admin server
 * without any credential); otherwise the prefixes it may see and act on.
 */
export interface AdminCaller {
  readonly name: string;
  readonly scope: readonly string[] | null;
}

/** Why a request gets no caller: no or a wrong credential (401), or one without admin rights (403). */
export type AdminRefusal = 'unauthorized' | 'forbidden';

/**
 * Who may use the admin API: holders of the admin token (all of it), the auth
 * file's principals with admin rights (under their prefixes), or, with
 * neither configured, local users only.
 */
export class AdminAuth {
  private readonly expected: Buffer | null;
  /** No credential of any kind: loopback is the only fence. */
  private readonly open: boolean;

  constructor(
    token: string | null,
    private readonly principals: {
      readonly hasPrincipals: boolean;
      principalByToken(token: string): AdminPrincipal | null;
    },
  ) {
    // Digests have one length whatever the inputs, so the comparison takes the
    // same time for a wrong token of any length or content.
    this.expected = token === null ? null : sha256(token);
    this.open = token === null && !principals.hasPrincipals;
  }

  /** The caller the request's bearer token names, or why there is none. */
  identify(req: IncomingMessage): AdminCaller | AdminRefusal {
    if (this.open) return { name: 'local', scope: null };
    const token = bearerToken(req);
    if (token === null) return 'unauthorized';
    if (this.expected !== null && timingSafeEqual(sha256(token), this.expected)) {
      return { name: 'admin-token', scope: null };
    }
    const principal = this.principals.principalByToken(token);
    if (principal === null) return 'unauthorized';
    if (principal.admin.length === 0) return 'forbidden';
    return { name: principal.name, scope: principal.admin.includes('') ? null : principal.admin };
  }

  /**
   * Without a token, loopback is the only fence, and a browser on this machine
   * can be led over it: a page whose name resolves to 127.0.0.1 (DNS
   * rebinding) sends its own name as Host, and a cross-site form post carries
   * a foreign Origin. Both are refused; with a token, the browser cannot add it
   * on its own, so nothing more is needed. Returns why a request is refused, or null.
   */
  refusesOrigin(req: IncomingMessage): string | null {
    if (!this.open) return null;
    const host = req.headers.host ?? '';
    if (!isLoopbackHost(hostnameOf(host))) {
      return `without an admin token, requests must name a loopback host, not ${host || 'none'}`;
    }
    const origin = req.headers.origin;
    // One port serves one scheme: either is this server's own page.
    const own = origin === `http://${host}` || origin === `https://${host}`;
    if (req.method !== 'GET' && origin !== undefined && !own) {
      return `cross-origin request from ${origin} refused`;
    }
    // Nor may a foreign page hold stream slots or run views, even unread.
    if (req.headers['sec-fetch-site'] === 'cross-site') return 'cross-site request refused';
    return null;
  }
}

/** The host name of a Host header (`[::1]:7071` → `[::1]`, `localhost:7071` → `localhost`). */
function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return '';
  }
}
