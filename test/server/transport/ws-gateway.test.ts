import { memoryLogger } from '../../helpers/memory-logger.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { systemTimer } from '../../../server/clock.js';
import { MAX_LOGGED_CAUSES } from '../../../server/transport/cause-log.js';
import { WsGateway, type GatewayHandler } from '../../../server/transport/ws-gateway.js';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../../shared/protocol.js';
import { byId, RawClient } from '../../helpers/raw-client.js';
import { eventually } from '../../helpers/harness.js';
import { GATEWAY_TEST_OPTIONS, welcomeAs } from '../../helpers/gateway-welcome.js';

/**
 * A gateway in front of a handler with bugs: an acquire of `boom/…` throws
 * (its message naming the path), everything else is answered.
 */
async function gatewayWithBugs(): Promise<{
  gateway: WsGateway;
  url: string;
  warnings: () => string[];
}> {
  const { logger, messages } = memoryLogger();
  let sessions = 0;
  const handler: GatewayHandler = {
    hello(conn) {
      welcomeAs(gateway, conn, `s${++sessions}`);
    },
    command(session, frame) {
      if (frame.t === 'acquire' && frame.path.startsWith('boom/')) {
        throw new TypeError(`cannot lock ${frame.path}`);
      }
      gateway.send(session, { t: 'ok', id: frame.id });
    },
  };
  const options = GATEWAY_TEST_OPTIONS;
  const gateway = new WsGateway(options, systemTimer, handler, logger);
  await gateway.listen();
  onTestFinished(() => gateway.close());
  return { gateway, url: `ws://127.0.0.1:${gateway.port}`, warnings: messages };
}

describe('the gateway, when handling a frame throws', () => {
  it('closes that connection with INTERNAL, counts it, and serves everyone else', async () => {
    const { gateway, url, warnings } = await gatewayWithBugs();
    const bystander = await RawClient.session(url);
    const victim = await RawClient.session(url);
    victim.send({ t: 'acquire', id: 1, path: 'boom/1', wait: true });
    expect(await victim.next((f) => f.t === 'error')).toMatchObject({ code: 'INTERNAL' });
    expect(await victim.closed()).toMatchObject({ code: CLOSE_CODES.internal });
    expect(gateway.traffic.internalErrors).toBe(1);
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/TypeError: cannot lock boom\/1/);
    bystander.send({ t: 'hb', id: 7 });
    expect(await bystander.next(byId(7))).toMatchObject({ t: 'ok' });
  });

  it('logs a cause once, and at most a bounded number of causes', async () => {
    const { gateway, url, warnings } = await gatewayWithBugs();
    const throwOn = async (path: string): Promise<void> => {
      const raw = await RawClient.session(url);
      raw.send({ t: 'acquire', id: 1, path, wait: true });
      await raw.closed();
    };
    for (let i = 0; i < 3; i++) await throwOn('boom/same');
    expect(warnings()).toHaveLength(1);
    for (let i = 0; i < MAX_LOGGED_CAUSES + 20; i++) await throwOn(`boom/${i}`);
    expect(warnings()).toHaveLength(MAX_LOGGED_CAUSES);
    expect(gateway.traffic.internalErrors).toBe(3 + MAX_LOGGED_CAUSES + 20);
  });

  it('keeps control characters a client sent out of the log', async () => {
    const { url, warnings } = await gatewayWithBugs();
    const raw = await RawClient.session(url);
    raw.send({ t: 'acquire', id: 1, path: 'boom/\u001b]0;owned\u0007', wait: true });
    await raw.closed();
    expect(warnings()[0]).not.toMatch(/[\u0000-\u001f]/);
  });

  it('logs a frame over maxFrameBytes as a limit hit, and closes with 1009', async () => {
    const { url, warnings } = await gatewayWithBugs();
    const raw = await RawClient.session(url);
    raw.sendBytes(new Uint8Array(GATEWAY_TEST_OPTIONS.maxFrameBytes + 1));
    expect(await raw.closed()).toMatchObject({ code: 1009 });
    await eventually(
      () => (warnings().some((w) => /frame over the limit/.test(w)) ? true : undefined),
      5_000,
      'the maxFrameBytes line',
    );
  });

  it('still refuses text frames and bad msgpack as PROTOCOL, not INTERNAL', async () => {
    const { gateway, url } = await gatewayWithBugs();
    const raw = await RawClient.open(url);
    raw.sendBytes(Uint8Array.of(0xc1, 0xff));
    expect(await raw.next((f) => f.t === 'error')).toMatchObject({ code: 'PROTOCOL' });
    raw.send({ t: 'hello', v: PROTOCOL_VERSION });
    expect(await raw.next((f) => f.t === 'welcome')).toBeTruthy();
    raw.sendBytes('{"t":"hb"}');
    expect(await raw.closed()).toMatchObject({ code: CLOSE_CODES.protocol });
    expect(gateway.traffic.internalErrors).toBe(0);
  });
});

/** A gateway whose hello binds the session the frame names (a resume), or a new one. */
async function countingGateway(): Promise<{ gateway: WsGateway; url: string }> {
  let sessions = 0;
  const handler: GatewayHandler = {
    hello(conn, frame) {
      welcomeAs(gateway, conn, frame.session ?? `s${++sessions}`);
    },
    command() {},
  };
  const gateway = new WsGateway(GATEWAY_TEST_OPTIONS, systemTimer, handler, memoryLogger().logger);
  await gateway.listen();
  onTestFinished(() => gateway.close());
  return { gateway, url: `ws://127.0.0.1:${gateway.port}` };
}

describe('the gateway, keeping its connections', () => {
  it('counts each open connection once: before hello, bound, replaced, ended', async () => {
    const { gateway, url } = await countingGateway();
    const count = (n: number) => () => (gateway.connectionCount === n ? true : undefined);
    const first = await RawClient.session(url);
    expect(gateway.connectionCount).toBe(1);
    const silent = await RawClient.open(url);
    await eventually(count(2), 5_000, 'a connection without hello counted');
    const resumer = await RawClient.open(url);
    resumer.send({ t: 'hello', v: PROTOCOL_VERSION, session: first.sessionId, secret: 'k' });
    await resumer.next((f) => f.t === 'welcome');
    expect(await first.closed()).toMatchObject({ code: CLOSE_CODES.replaced });
    await eventually(count(2), 5_000, 'the replaced connection gone');
    gateway.closeSession(first.sessionId, CLOSE_CODES.sessionEnded, 'ended');
    await resumer.closed();
    await eventually(count(1), 5_000, 'the ended session’s connection gone');
    silent.socket.close();
    await eventually(count(0), 5_000, 'every connection gone');
  });

  it('on close, ends the connections of clients that never answer, whatever their state', async () => {
    const { gateway, url } = await countingGateway();
    const bound = await RawClient.session(url);
    const replaced = await RawClient.session(url);
    const ended = await RawClient.session(url);
    const unbound = await RawClient.open(url);
    const resumer = await RawClient.open(url);
    const deaf = [bound, replaced, ended, unbound];
    // Paused, a client never answers a close handshake.
    for (const raw of deaf) raw.tcp.pause();
    resumer.send({ t: 'hello', v: PROTOCOL_VERSION, session: replaced.sessionId, secret: 'k' });
    await resumer.next((f) => f.t === 'welcome');
    gateway.closeSession(ended.sessionId, CLOSE_CODES.sessionEnded, 'ended');
    const started = performance.now();
    await gateway.close();
    // Not ws's 30 s wait for a close frame that never comes.
    expect(performance.now() - started).toBeLessThan(5_000);
    // Reading again, each finds its connection gone.
    for (const raw of deaf) raw.tcp.resume();
    for (const raw of deaf) await raw.closed();
  });
});
