// connect() against a broker that answers but refuses a session for a limit
// fails with that limit's code, not as if no broker answered.
import { describe, expect, it } from 'vitest';
import { connect } from '../../client/node.js';
import { startBroker, startClient } from '../helpers/harness.js';

describe('connect() refused for a limit', () => {
  it('rejects with LIMIT_EXCEEDED and the broker’s reason once its timeout runs out', async () => {
    const broker = await startBroker({ limits: { maxSessionsPerOwner: 1 } });
    await startClient(broker.url);
    const err = await connect({ url: broker.url, connectTimeoutMs: 800 }).then(
      (c) => (void c.close(), null),
      (e: { code: string; message: string }) => e,
    );
    expect(err).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(err?.message).toMatch(/no session at ws:\/\/.*sessions/);
  });

  it('still says CLOSED when nothing answers, with the socket error as the cause of the cause', async () => {
    const err = await connect({ url: 'ws://127.0.0.1:9', connectTimeoutMs: 300 }).then(
      (c) => (void c.close(), null),
      (e: { code: string }) => e,
    );
    expect(err).toMatchObject({
      code: 'CLOSED',
      cause: { code: 'CLOSED', cause: { code: 'ECONNREFUSED' } },
    });
  });
});
