import { describe, expect, it, onTestFinished } from 'vitest';
import { systemTimer } from '../../../server/clock.js';
import { FRAMES_IN_A_ROW, MAX_WAITING_FRAMES } from '../../../server/transport/frame-turns.js';
import { WsGateway } from '../../../server/transport/ws-gateway.js';
import { CLOSE_CODES, type ClientFrame } from '../../../shared/protocol.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { byId, RawClient } from '../../helpers/raw-client.js';
import { eventually } from '../../helpers/harness.js';
import { GATEWAY_TEST_OPTIONS, welcomeAs } from '../../helpers/gateway-welcome.js';

const BURST = 500;

/**
 * A gateway whose handler logs each command as `session:id`, answers it with
 * ok, and calls `onCommand` first (a test's hook into the middle of a burst).
 */
async function loggingGateway(onCommand: (session: string, id: number) => void): Promise<{
  gateway: WsGateway;
  url: string;
  handled: string[];
}> {
  const handled: string[] = [];
  let sessions = 0;
  const gateway: WsGateway = new WsGateway(
    GATEWAY_TEST_OPTIONS,
    systemTimer,
    {
      hello: (conn) => welcomeAs(gateway, conn, `s${++sessions}`),
      command(session, frame) {
        const id = (frame as { id: number }).id;
        handled.push(`${session}:${id}`);
        onCommand(session, id);
        gateway.send(session, { t: 'ok', id });
      },
    },
    memoryLogger().logger,
  );
  await gateway.listen();
  onTestFinished(() => gateway.close());
  return { gateway, url: `ws://127.0.0.1:${gateway.port}`, handled };
}

/** Sends `frames` in one write, as a client bursting at once does. */
function sendInOneWrite(raw: RawClient, frames: ClientFrame[]): void {
  raw.tcp.cork();
  for (const f of frames) raw.send(f);
  raw.tcp.uncork();
}

const heartbeats = (n: number): ClientFrame[] =>
  Array.from({ length: n }, (_, i) => ({ t: 'hb', id: i + 1 }) as ClientFrame);

describe('the gateway, taking frames in turns', () => {
  it('lets another client in during a burst, and keeps the burst whole and in order', async () => {
    let bystander: RawClient | null = null;
    const { url, handled } = await loggingGateway((session, id) => {
      // Sent while the burst is being handled: it arrives in a later read.
      if (session === 's1' && id === 1) bystander!.send({ t: 'hb', id: 1 });
    });
    const burster = await RawClient.session(url);
    bystander = await RawClient.session(url);
    sendInOneWrite(burster, heartbeats(BURST));
    await bystander.next(byId(1));
    await burster.next(byId(BURST));

    const bursts = handled.filter((h) => h.startsWith('s1:'));
    expect(bursts).toEqual(heartbeats(BURST).map((f) => `s1:${(f as { id: number }).id}`));
    // Without turns it would come after all 500; with them, after a few rows of FRAMES_IN_A_ROW.
    const bystanderAt = handled.indexOf('s2:1');
    expect(bystanderAt).toBeGreaterThan(0);
    expect(bystanderAt).toBeLessThan(BURST / 2);
  });

  it('handles what a client sent before it closed, all of it, in order', async () => {
    const { gateway, url, handled } = await loggingGateway(() => {});
    const burster = await RawClient.session(url);
    const tcp = burster.tcp;
    tcp.cork();
    for (const f of heartbeats(BURST)) burster.send(f);
    burster.socket.close();
    tcp.uncork();
    await eventually(() => (gateway.connectionCount === 0 ? true : undefined), 5_000, 'closed');
    expect(handled).toEqual(heartbeats(BURST).map((f) => `s1:${(f as { id: number }).id}`));
  });

  it('cuts off a client with more than MAX_WAITING_FRAMES frames waiting, as a flood', async () => {
    const { url } = await loggingGateway(() => {});
    const flooder = await RawClient.session(url);
    // 9,000 masked one-byte binary frames (7 bytes each) in one TCP write: one read of the broker's.
    const frame = [0x82, 0x81, 0, 0, 0, 0, 0xc0];
    const bytes = Buffer.from(Array.from({ length: 9_000 }, () => frame).flat());
    flooder.tcp.write(bytes);
    expect(await flooder.next((f) => f.t === 'error' && f.code === 'RATE_LIMITED')).toMatchObject({
      message: `more than ${MAX_WAITING_FRAMES} frames waited at once`,
    });
    expect((await flooder.closed()).code).toBe(CLOSE_CODES.rateLimited);
  });

  it('drops the waiting frames of a connection closed meanwhile, and still completes its close', async () => {
    const closeAt = FRAMES_IN_A_ROW + 4;
    let gateway: WsGateway | null = null;
    const setup = await loggingGateway((session, id) => {
      if (id === closeAt) gateway!.closeSession(session, CLOSE_CODES.sessionEnded, 'ended');
    });
    gateway = setup.gateway;
    const burster = await RawClient.session(setup.url);
    sendInOneWrite(burster, heartbeats(BURST));
    // ws would wait 30 s for a close frame it could not read; this waits 5.
    expect(await burster.closed()).toMatchObject({ code: CLOSE_CODES.sessionEnded });
    expect(setup.handled).toHaveLength(closeAt);
    const gone = () => (gateway!.connectionCount === 0 ? true : undefined);
    await eventually(gone, 5_000, 'the closed connection gone');
  });
});
