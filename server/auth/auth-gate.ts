import type { HelloFrame } from '../../shared/protocol.js';
import { CLOSE_CODES } from '../../shared/protocol.js';
import { LogThrottle, type Logger } from '../log.js';
import type { Connection } from '../transport/connection.js';
import { Access, type ReloadResult } from './access.js';
import type { ResolvedAuthOptions } from './auth-options.js';

/**
 * What the broker asks of authentication, in three calls: may this hello
 * open or resume a session, may this connection lock this path, and re-read
 * the file. Without an auth file everyone is let in.
 */
export class AuthGate {
  /** The auth file's principals; null without one. */
  readonly access: Access | null;
  private readonly refusals: LogThrottle;

  /** Reads the file at once: a bad one stops the broker's start, naming its line. */
  constructor(
    private readonly options: ResolvedAuthOptions,
    private readonly log: Logger,
    now: () => number,
  ) {
    this.access = options.file === null ? null : new Access(options.file);
    this.refusals = new LogThrottle(now);
  }

  /** Logs, once the broker listens at `url`, who may use it. */
  announce(url: string): void {
    if (this.access) {
      const principals = this.access.principals.size;
      this.log.info({ principals }, `auth file ${this.access.file}: ${principals} principals`);
    } else if (this.options.insecureNoAuth) {
      this.log.warn(
        `no auth file and --insecure-no-auth: anyone who reaches ${url} may lock anything`,
      );
    } else {
      this.log.warn(`no auth file: any local user may lock anything on ${url}`);
    }
  }

  /**
   * Whether `conn` may go on with its hello. With an auth file, its principal
   * is named by the hello's token, else the upgrade's bearer token, else its
   * client certificate; when none names one, the connection is refused with
   * UNAUTHENTICATED (4003) and false returned: no session is made. Once per
   * connection: a hello held back while promoting comes back authenticated.
   */
  admit(conn: Connection, frame: HelloFrame): boolean {
    const token = frame.authToken ?? conn.upgradeToken;
    conn.upgradeToken = null;
    if (!this.access || conn.principal !== null) return true;
    const principal = this.access.authenticate(token, conn.certSubject);
    if (principal) {
      conn.principal = principal.name;
      return true;
    }
    const message =
      token === null && conn.certSubject === null ? 'no credential' : 'unknown credential';
    // A client can cause this as often as it likes: a line per kind every few seconds.
    const who = conn.remoteAddress;
    this.refusals.pass(message, (heldBack) =>
      this.log.warn({ who, heldBack }, `hello refused: ${message}`),
    );
    conn.refuse({ t: 'error', code: 'UNAUTHENTICATED', message }, CLOSE_CODES.unauthenticated);
    return false;
  }

  /** Whether the connection's principal may lock `path` now; always true without an auth file. */
  mayLock(principal: string | null, path: string): boolean {
    return this.access === null || this.access.mayLock(principal, path);
  }

  /**
   * Reads the auth file again (SIGHUP). A principal removed or narrowed is
   * refused its next hello or acquire; what it holds stays until released or
   * expired. On a bad file the principals loaded before stay, and the error
   * (naming the line) is logged and returned.
   */
  reload(): ReloadResult {
    if (!this.access) return { ok: false, error: 'the broker has no auth file' };
    const result = this.access.reload();
    if (result.ok) {
      const { principals } = result;
      this.log.info({ principals }, `auth file reloaded: ${principals} principals`);
    } else {
      this.log.error(`auth file not reloaded, the previous one stays: ${result.error}`);
    }
    return result;
  }
}
