import { describe, expect, it } from 'vitest';
import { Connection, type ConnectionHost } from '../../../server/transport/connection.js';

/** A connection over a stand-in socket that logs what reaches its TCP socket. */
function connectionWithLog() {
  const log: string[] = [];
  const tcp = { cork: () => log.push('cork'), uncork: () => log.push('uncork') };
  const socket = {
    _socket: tcp,
    bufferedAmount: 0,
    send: () => log.push('send'),
    terminate() {},
  };
  const traffic = { framesIn: 0, framesOut: 0, errors: {}, internalErrors: 0 };
  const host: ConnectionHost = {
    reading: null,
    traffic,
    maxBufferedBytes: 1 << 20,
    overflowed: () => {},
    events: { message() {}, ping() {}, close() {}, error() {} },
  };
  const conn = new Connection(socket as never, '127.0.0.1', host);
  return { conn, host, log };
}

const grant = { t: 'grant', id: 1, path: 'p', token: 1 } as never;
const ok = { t: 'ok', id: 2 } as never;

describe('a grant leaving the broker', () => {
  it('leaves at once, with what was queued before it, when its client is not the one being read', () => {
    const { conn, log } = connectionWithLog();
    conn.send(ok);
    conn.send(grant, true);
    expect(log).toEqual(['cork', 'send', 'send', 'uncork']);
  });

  it('waits for the end of the tick when its own client is being read (a burst of acquires)', async () => {
    const { conn, host, log } = connectionWithLog();
    host.reading = conn;
    conn.send(grant, true);
    conn.send(grant, true);
    host.reading = null;
    expect(log).toEqual(['cork', 'send', 'send']);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(log).toEqual(['cork', 'send', 'send', 'uncork']);
  });
});
