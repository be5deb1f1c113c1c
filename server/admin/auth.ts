import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from './admin-options.js';

// Digests have one length whatever the inputs, so the comparison takes the
// same time for a wrong token of any length or content.
const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Who may use the admin API: holders of the bearer token, or with none, local users only. */
export class AdminAuth {
  private readonly expected: Buffer | null;

  constructor(token: string | null) {
    this.expected = token === null ? null : digest(token);
  }

  /** True when the request carries the token (or none is needed). */
  allows(req: IncomingMessage): boolean {
    if (this.expected === null) return true;
    const match = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    return match !== null && timingSafeEqual(digest(match[1] as string), this.expected);
  }

  /**
   * Without a token, loopback is the only fence, and a browser on this machine
   * can be led over it: a page whose name resolves to 127.0.0.1 (DNS
   * rebinding) sends its own name as Host, and a cross-site form post carries
   * a foreign Origin. Both are refused; with a token, the browser cannot add it
   * on its own, so nothing more is needed. Returns why a request is refused, or null.
   */
  refusesOrigin(req: IncomingMessage): string | null {
    if (this.expected !== null) return null;
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
