import { describe, expect, it } from 'vitest';
import { connect as connectFromBrowser } from '../../client/browser.js';
import { resolveClientOptions, type ClientTlsOptions } from '../../client/client-options.js';
import { InvalidOptionError } from '../../shared/errors.js';

const url = 'wss://127.0.0.1:7070';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('the tls option', () => {
  it('takes PEM strings or bytes, a list of CAs, and cert with key', () => {
    const bytes = new TextEncoder().encode(PEM);
    for (const tls of [
      { ca: PEM },
      { ca: bytes },
      { ca: [PEM, bytes] },
      { cert: PEM, key: PEM },
      { ca: PEM, cert: bytes, key: bytes },
    ] as ClientTlsOptions[]) {
      expect(resolveClientOptions({ url, tls }).tls).toBe(tls);
    }
    expect(resolveClientOptions({ url }).tls).toBeUndefined();
  });

  it('refuses what Node could not use, naming the property', () => {
    const refused = (tls: unknown): string => {
      try {
        resolveClientOptions({ url, tls: tls as ClientTlsOptions });
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidOptionError);
        return (err as Error).message;
      }
    };
    expect(refused('ca.pem')).toBe('tls must be an object');
    expect(refused({ ca: '' })).toMatch(/^tls\.ca must be PEM text/);
    expect(refused({ ca: [] })).toMatch(/^tls\.ca must be PEM text/);
    expect(refused({ ca: [PEM, 7] })).toMatch(/^tls\.ca must be PEM text/);
    expect(refused({ cert: PEM })).toBe('tls.cert and tls.key go together');
    expect(refused({ key: 42, cert: PEM })).toMatch(/^tls\.key must be PEM text/);
    expect(refused({ rejectUnauthorized: false })).toBe(
      'tls.rejectUnauthorized is not an option (ca, cert, key)',
    );
  });

  it('is refused by the browser entry, which has its own trust store', async () => {
    await expect(connectFromBrowser({ url, tls: { ca: PEM } })).rejects.toThrow(
      /tls is for Node: a browser checks wss:\/\/ against its own trust store/,
    );
  });
});
