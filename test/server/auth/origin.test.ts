import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { resolveBrokerOptions } from '../../../server/broker-options.js';
import { InvalidOptionError } from '../../../shared/errors.js';
import { startBroker } from '../../helpers/harness.js';
import { memoryLogger } from '../../helpers/memory-logger.js';

/** Tries an upgrade with these headers: 'open', or the HTTP status it was refused with. */
function upgrade(url: string, headers: Record<string, string>): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.on('open', () => {
      socket.terminate();
      resolve('open');
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      socket.terminate();
    });
    socket.on('error', (err) => reject(err));
  });
}

describe('browser origins', () => {
  it('by default takes pages from the host the client dialled only, and clients that send no Origin', async () => {
    const { logger, messages } = memoryLogger();
    const broker = await startBroker({}, { logger });
    const self = `http://127.0.0.1:${broker.port}`;
    expect(await upgrade(broker.url, {})).toBe('open');
    expect(await upgrade(broker.url, { Origin: self })).toBe('open');
    expect(await upgrade(broker.url, { Origin: 'http://evil.example' })).toBe(403);
    // Same name, another port: another origin's page.
    expect(await upgrade(broker.url, { Origin: 'http://127.0.0.1:1' })).toBe(403);
    expect(await upgrade(broker.url, { Origin: 'null' })).toBe(403);
    expect(messages().join('\n')).toMatch(/upgrade refused: the page is not from this host/);
  });

  it('with --allowed-origin takes those origins only', async () => {
    const broker = await startBroker({
      transport: { allowedOrigins: ['https://app.example.com', 'http://localhost:3000'] },
    });
    expect(await upgrade(broker.url, { Origin: 'https://app.example.com' })).toBe('open');
    expect(await upgrade(broker.url, { Origin: 'http://localhost:3000' })).toBe('open');
    expect(await upgrade(broker.url, { Origin: 'https://app.example.com.evil.example' })).toBe(403);
    expect(await upgrade(broker.url, { Origin: `http://127.0.0.1:${broker.port}` })).toBe(403);
    expect(await upgrade(broker.url, {})).toBe('open');

    const any = await startBroker({ transport: { allowedOrigins: ['*'] } });
    expect(await upgrade(any.url, { Origin: 'http://evil.example' })).toBe('open');
  });

  it('refuses an allowed origin that is not one', () => {
    for (const bad of ['app.example.com', 'https://app.example.com/path', 'file:///x', '']) {
      expect(() => resolveBrokerOptions({ transport: { allowedOrigins: [bad] } }), bad).toThrow(
        InvalidOptionError,
      );
    }
    const ok = resolveBrokerOptions({ transport: { allowedOrigins: ['HTTPS://App.Example.com'] } });
    expect(ok.transport.allowedOrigins).toEqual(['https://app.example.com']);
  });
});

describe('a broker without an auth file', () => {
  it('refuses to listen on a host other than loopback, unless told it may', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10']) {
      expect(() => resolveBrokerOptions({ transport: { host } })).toThrow(
        /not a loopback address: give an auth file \(--auth-file\) or.*--insecure-no-auth/,
      );
      const insecure = resolveBrokerOptions({
        transport: { host },
        auth: { insecureNoAuth: true },
      });
      expect(insecure.auth).toEqual({ file: null, insecureNoAuth: true });
      const withFile = resolveBrokerOptions({ transport: { host }, auth: { file: 'auth.json' } });
      expect(withFile.auth.file).toBe('auth.json');
    }
    expect(resolveBrokerOptions({ transport: { host: 'localhost' } }).auth.file).toBeNull();
    expect(() => resolveBrokerOptions({ auth: { fil: 'x' } as never })).toThrow(
      /auth\.fil is not an option/,
    );
  });

  it('warns that anyone may lock anything, louder with insecureNoAuth', async () => {
    const local = memoryLogger();
    await startBroker({}, { logger: local.logger });
    expect(local.messages().join('\n')).toMatch(/no auth file: any local user may lock anything/);
    const open = memoryLogger();
    await startBroker({ auth: { insecureNoAuth: true } }, { logger: open.logger });
    const warning = open.lines.find((l) => /--insecure-no-auth: anyone who reaches/.test(l.msg));
    expect(warning?.level).toBe(40);
  });
});
