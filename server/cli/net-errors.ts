import { isErrorCode } from '../../shared/errors.js';

/** Node's codes for a certificate the client would not trust. */
const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** The first code in `err` or its causes that is Node's (ECONNREFUSED), not one of Baton's own. */
export function errorCode(err: unknown): string | undefined {
  let e = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !isErrorCode(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Why a connection failed, in words, from Node's error code: refused, a
 * name DNS does not know, a certificate not trusted. Null when the code is
 * not one of those; the caller then shows the error's own message.
 */
export function explainCode(code: string | undefined): string | null {
  if (code === undefined) return null;
  if (UNTRUSTED.has(code)) {
    return `TLS: the server's certificate is not trusted (${code}); give its CA with --tls-ca`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED): nothing listens on that port';
    case 'ENOTFOUND':
      return 'DNS name not found (ENOTFOUND)';
    case 'EAI_AGAIN':
      return 'DNS lookup failed for now (EAI_AGAIN)';
    case 'ETIMEDOUT':
      return 'connection timed out (ETIMEDOUT)';
    case 'ECONNRESET':
      return 'connection reset by the server (ECONNRESET)';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to the host (${code})`;
    case 'CERT_HAS_EXPIRED':
      return "TLS: the server's certificate has expired (CERT_HAS_EXPIRED)";
    case 'CERT_NOT_YET_VALID':
      return "TLS: the server's certificate is not valid yet (CERT_NOT_YET_VALID)";
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return "TLS: the server's certificate does not name this host (ERR_TLS_CERT_ALTNAME_INVALID)";
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
      return `TLS: the server does not speak TLS on that port (${code}); ws:// or http:// instead?`;
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return 'TLS: the server requires a client certificate; give --tls-cert and --tls-key';
    default:
      return code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')
        ? `TLS failure (${code})`
        : null;
  }
}

/** Why `err` happened in words: its code explained, else its message. */
export function explainError(err: unknown): string {
  return explainCode(errorCode(err)) ?? (err instanceof Error ? err.message : String(err));
}
