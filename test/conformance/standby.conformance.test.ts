import { describe, expect, it } from 'vitest';
import { eventually, startBroker, startRedis } from './brokers.js';
import { Peer } from './peer.js';
import { CLOSE, type Frame } from './wire.js';

/** Says hello (with `fields`) on a new connection; resolves with the first frame and the close, if any. */
async function hello(
  url: string,
  fields: Record<string, unknown> = {},
): Promise<{ peer: Peer; frame: Frame }> {
  const peer = await Peer.open(url);
  peer.send({ t: 'hello', v: 1, ...fields });
  return { peer, frame: await peer.next(() => true) };
}

describe('redirects and failover (PROTOCOL.md: Redirects and failover)', () => {
  it('a standby redirects to the active broker and closes 4012; the session resumes on the next active one', async () => {
    const redis = await startRedis();
    const options = { redis: { url: redis, leaderLeaseMs: 500 } };
    const active = await startBroker(options);
    await eventually(() => (active.role === 'active' ? true : undefined), 'an active broker');
    const standby = await startBroker(options);

    // The standby learns the active broker's URL from Redis; until then its redirect may have none.
    const redirect = await eventually(async () => {
      const { peer, frame } = await hello(standby.url);
      expect(frame.t).toBe('redirect');
      expect((await peer.closedWith()).code).toBe(CLOSE.notLeader);
      return frame.url === undefined ? undefined : frame;
    }, 'a redirect with a url');
    expect(redirect).toEqual({ t: 'redirect', url: active.url });

    // Follow it: a session and a strict lock (its grant is sent once durable in Redis).
    const { peer, welcome } = await Peer.session(redirect.url as string);
    peer.send({ t: 'acquire', id: 1, path: 'p', wait: true, consistency: 'strict' });
    const grant = await peer.reply(1);
    expect(grant).toMatchObject({ t: 'grant', path: 'p' });

    // The active broker goes away; the standby takes over and the session resumes there.
    await active.close();
    expect((await peer.closedWith()).code).toBe(CLOSE.shutdown);
    const resumed = await eventually(async () => {
      const { peer: next, frame } = await hello(standby.url, {
        session: welcome.session,
        secret: welcome.secret,
      });
      return frame.t === 'welcome' ? { peer: next, welcome: frame } : undefined;
    }, 'the standby to take over');
    expect(resumed.welcome).toMatchObject({ resumed: true, session: welcome.session });
    expect(resumed.welcome.held).toEqual([{ id: 1, path: 'p', token: grant.token }]);

    // Tokens go on rising across the failover.
    resumed.peer.send({ t: 'release', id: 2, path: 'p', token: grant.token });
    expect(await resumed.peer.reply(2)).toEqual({ t: 'ok', id: 2 });
    resumed.peer.send({ t: 'acquire', id: 3, path: 'p', wait: true });
    const after = await resumed.peer.reply(3);
    expect(after.token as number).toBeGreaterThan(grant.token as number);
  });
});
