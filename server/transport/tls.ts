import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { InvalidOptionError } from '../../shared/errors.js';
import { mergeOptions, oneOfOption, type OptionKeys } from '../../shared/options.js';
import { readPem } from '../pem.js';

/** Whether clients show a certificate: not asked, asked, or required. */
export type ClientCertMode = 'none' | 'request' | 'require';

/**
 * TLS for the lock port (and the admin server). Each of `cert`, `key`, `ca`
 * is a file path or the PEM text itself; files are read once, at start.
 */
export interface TlsOptions {
  /** The server's certificate chain (PEM). Required. */
  cert?: string;
  /** Its private key (PEM, unencrypted). Required. */
  key?: string;
  /** CA certificates that client certificates must chain to. Needed for `clientCert`. */
  ca?: string;
  /**
   * `none`: no client certificate is asked for. `request`: asked for; a
   * client without one connects, one with a certificate the CA did not sign
   * is refused. `require`: a client without a good certificate gets no
   * WebSocket at all. Default `none`.
   */
  clientCert?: ClientCertMode;
}

export interface ResolvedTlsOptions {
  readonly cert: string;
  /** Not enumerable: the resolved options never carry a private key into a log line. */
  readonly key: string;
  readonly ca: string | null;
  readonly clientCert: ClientCertMode;
}

/**
 * A TLS handshake not done by then is dropped: Node's default (120 s) lets
 * a client that opens sockets and never finishes hold them for minutes.
 */
const HANDSHAKE_TIMEOUT_MS = 10_000;

const TLS_KEYS: OptionKeys<TlsOptions> = { cert: true, key: true, ca: true, clientCert: true };
const MODES: readonly ClientCertMode[] = ['none', 'request', 'require'];

/**
 * Reads the files and checks that they make a working TLS context (PEM that
 * parses, a key that matches the certificate), naming the option at fault.
 */
export function resolveTlsOptions(part: string, options: TlsOptions): ResolvedTlsOptions {
  const o = mergeOptions(part, options, TLS_KEYS, { clientCert: 'none' as ClientCertMode });
  if (o.cert === undefined || o.key === undefined) {
    throw new InvalidOptionError(`${part} needs both cert and key`);
  }
  const clientCert = oneOfOption(`${part}.clientCert`, o.clientCert, MODES);
  const cert = readPem(`${part}.cert`, o.cert);
  const key = readPem(`${part}.key`, o.key);
  const ca = o.ca === undefined ? null : readPem(`${part}.ca`, o.ca);
  if (clientCert !== 'none' && ca === null) {
    throw new InvalidOptionError(
      `${part}.clientCert ${clientCert} needs ${part}.ca to verify client certificates`,
    );
  }
  try {
    createSecureContext({ cert, key, ...(ca !== null && { ca }) });
  } catch (err) {
    throw new InvalidOptionError(
      `${part}: the certificate, key or CA cannot be used: ${(err as Error).message}`,
    );
  }
  return frozenTls(cert, key, ca, clientCert);
}

/** The same certificate and key, asking clients for no certificate (the admin server's). */
export function withoutClientCerts(tls: ResolvedTlsOptions): ResolvedTlsOptions {
  return frozenTls(tls.cert, tls.key, null, 'none');
}

function frozenTls(
  cert: string,
  key: string,
  ca: string | null,
  clientCert: ClientCertMode,
): ResolvedTlsOptions {
  const resolved = { cert, ca, clientCert } as ResolvedTlsOptions;
  Object.defineProperty(resolved, 'key', { value: key, enumerable: false });
  return Object.freeze(resolved);
}

/**
 * The HTTP server a listener sits on: plain, or TLS with the client
 * certificate policy applied during the handshake, so a client refused by it
 * never reaches the WebSocket upgrade. `refused` hears of failed handshakes.
 */
export function createListener(
  tls: ResolvedTlsOptions | null,
  handler: RequestListener,
  refused: (err: Error, address: string) => void = () => {},
): Server {
  if (tls === null) return createHttpServer(handler);
  const asked = tls.clientCert !== 'none';
  const server = createHttpsServer(
    {
      cert: tls.cert,
      key: tls.key,
      ...(tls.ca !== null && { ca: tls.ca }),
      requestCert: asked,
      // With `request`, the handshake goes through and the check is below.
      rejectUnauthorized: tls.clientCert === 'require',
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    },
    handler,
  );
  server.on('tlsClientError', (err: Error, socket: Socket) =>
    refused(err, socket.remoteAddress ?? ''),
  );
  if (tls.clientCert === 'request') {
    server.on('secureConnection', (socket: TLSSocket) => {
      // No certificate is fine; one the CA did not sign is not.
      if (socket.authorized || socket.getPeerX509Certificate() === undefined) return;
      refused(new Error(String(socket.authorizationError)), socket.remoteAddress ?? '');
      socket.destroy();
    });
  }
  return server;
}

/**
 * The subject of the verified client certificate on `socket`, most specific
 * part first and comma-separated, as `openssl x509 -noout -subject -nameopt
 * RFC2253` prints it (`CN=billing-worker,O=acme`); null without TLS, without
 * a certificate, or with one that was not verified.
 */
export function certSubjectOf(socket: Socket): string | null {
  if (!(socket instanceof TLSSocket) || !socket.authorized) return null;
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) return null;
  // Node prints one attribute a line, in certificate order, escaped as RFC 2253 asks.
  return cert.subject.split('\n').filter(Boolean).reverse().join(',');
}
