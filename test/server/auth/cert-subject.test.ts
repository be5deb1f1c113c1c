import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Connection } from '../../../server/transport/connection.js';
import { sha256 } from '../../../server/core/secret-hash.js';
import { decodeFrame } from '../../../shared/codec.js';
import { CLOSE_CODES, PROTOCOL_VERSION, type ServerFrame } from '../../../shared/protocol.js';
import { eventually, startBroker, tempDir } from '../../helpers/harness.js';

/**
 * A connection as the gateway makes it, over a stand-in socket: the TLS
 * layer sets `certSubject` at upgrade, which a plain loopback socket cannot.
 */
function connectionWith(certSubject: string | null, upgradeToken: string | null = null) {
  const frames: ServerFrame[] = [];
  const socket = {
    bufferedAmount: 0,
    closedWith: null as number | null,
    send: (data: Uint8Array) => void frames.push(decodeFrame(data) as ServerFrame),
    close(code: number) {
      this.closedWith = code;
    },
    terminate() {},
  };
  const traffic = { framesIn: 0, framesOut: 0, errors: {}, internalErrors: 0 };
  const events = { message() {}, ping() {}, close() {}, error() {} };
  const host = { reading: null, traffic, maxBufferedBytes: 1 << 20, overflowed: () => {}, events };
  const conn = new Connection(socket as never, '127.0.0.1', host);
  conn.certSubject = certSubject;
  conn.upgradeToken = upgradeToken;
  return { conn, frames, socket };
}

describe('a client certificate as a credential', () => {
  it('names the principal whose certSubject it is; a token, if shown, must be right too', async () => {
    const file = join(tempDir(), 'auth.json');
    const principals = [
      {
        name: 'reporter',
        certSubject: 'CN=reporter',
        allow: [{ prefix: 'reports/', rights: ['lock'] }],
      },
      {
        name: 'ops',
        tokenSha256: sha256('ops').toString('hex'),
        allow: [{ prefix: '', rights: ['lock'] }],
      },
    ];
    writeFileSync(file, JSON.stringify({ principals }));
    const broker = await startBroker({ auth: { file } });

    const good = connectionWith('CN=reporter');
    broker.hello(good.conn, { t: 'hello', v: PROTOCOL_VERSION });
    const welcome = await eventually(() => good.frames.find((f) => f.t === 'welcome'));
    expect(good.conn.principal).toBe('reporter');
    if (welcome.t !== 'welcome') throw new Error('no welcome');
    broker.command(
      welcome.session,
      { t: 'acquire', id: 1, path: 'billing/x', wait: true },
      good.conn,
    );
    expect(good.frames.at(-1)).toMatchObject({ t: 'error', id: 1, code: 'FORBIDDEN' });
    broker.command(
      welcome.session,
      { t: 'acquire', id: 2, path: 'reports/x', wait: true },
      good.conn,
    );
    await eventually(() => good.frames.find((f) => f.t === 'grant' && f.id === 2));

    const stranger = connectionWith('CN=stranger');
    broker.hello(stranger.conn, { t: 'hello', v: PROTOCOL_VERSION });
    expect(stranger.frames).toMatchObject([{ t: 'error', code: 'UNAUTHENTICATED' }]);
    expect(stranger.socket.closedWith).toBe(CLOSE_CODES.unauthenticated);

    const wrongToken = connectionWith('CN=reporter', 'not-ops');
    broker.hello(wrongToken.conn, { t: 'hello', v: PROTOCOL_VERSION });
    expect(wrongToken.frames).toMatchObject([{ t: 'error', code: 'UNAUTHENTICATED' }]);
    expect(broker.views.counts().sessions).toBe(1);
  });
});
