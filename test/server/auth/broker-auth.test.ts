import { describe, expect, it } from 'vitest';
import { connect } from '../../../client/node.js';
import { BatonError } from '../../../shared/errors.js';
import { CLOSE_CODES, PROTOCOL_VERSION } from '../../../shared/protocol.js';
import { startBroker, startClient, sleep } from '../../helpers/harness.js';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { RawClient } from '../../helpers/raw-client.js';
import { authFile, BILLING, OPS, REPORTS } from './auth-harness.js';

/** A broker with an auth file of `principals`, and the way to rewrite the file. */
async function brokerWithAuth(principals = [BILLING, REPORTS, OPS]) {
  const auth = authFile(principals);
  const { logger, messages, lines } = memoryLogger();
  const broker = await startBroker({ auth: { file: auth.file } }, { logger });
  return { broker, auth, messages, lines };
}

/** Sends a hello (with `authToken` when given) and resolves with what came back and the close. */
async function hello(url: string, authToken?: string, headers: Record<string, string> = {}) {
  const raw = await RawClient.open(url, headers);
  raw.send({ t: 'hello', v: PROTOCOL_VERSION, ...(authToken !== undefined && { authToken }) });
  const frame = await raw.next(() => true);
  return { raw, frame };
}

/** The rejection of `promise`, which must reject with a BatonError. */
async function rejection(promise: Promise<unknown>): Promise<BatonError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BatonError);
  return err as BatonError;
}

describe('a broker with an auth file', () => {
  it('refuses a hello with no token or a wrong one: UNAUTHENTICATED, closed with 4003, no session', async () => {
    const { broker, lines } = await brokerWithAuth();
    for (const token of [undefined, 'wrong-token', `${BILLING.token}x`]) {
      const { raw, frame } = await hello(broker.url, token);
      expect(frame).toMatchObject({ t: 'error', code: 'UNAUTHENTICATED' });
      expect((await raw.closed()).code).toBe(CLOSE_CODES.unauthenticated);
    }
    expect(broker.views.counts().sessions).toBe(0);
    const { frame } = await hello(broker.url, BILLING.token);
    expect(frame.t).toBe('welcome');
    expect(broker.views.counts().sessions).toBe(1);
    // Refusals are logged, but never a token, right or wrong.
    const log = JSON.stringify(lines);
    expect(log).toMatch(/hello refused: no credential/);
    expect(log).toMatch(/hello refused: unknown credential/);
    for (const secret of ['wrong-token', BILLING.token]) expect(log).not.toContain(secret);
  });

  it('takes the token from an Authorization: Bearer header at upgrade', async () => {
    const { broker } = await brokerWithAuth();
    const good = await hello(broker.url, undefined, { Authorization: `Bearer ${OPS.token}` });
    expect(good.frame.t).toBe('welcome');
    const bad = await hello(broker.url, undefined, { Authorization: 'Bearer nope' });
    expect(bad.frame).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('fails an acquire outside the principal’s lock prefixes with FORBIDDEN; the session goes on', async () => {
    const { broker } = await brokerWithAuth();
    const client = await startClient(broker.url, { authToken: BILLING.token });
    const err = await rejection(client.acquire('reports/daily'));
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toMatch(/billing-worker may not lock reports\/daily/);
    expect((await rejection(client.tryAcquire('billing'))).code).toBe('FORBIDDEN');
    const lease = await client.acquire('billing/invoice-7');
    expect(broker.views.isHeld(client.session!, 'billing/invoice-7', lease.token)).toBe(true);
    await lease.release();
  });

  it('fails connect() with UNAUTHENTICATED, once, without dialling again', async () => {
    const { broker } = await brokerWithAuth();
    const started = performance.now();
    const attempt = connect({ url: broker.url, authToken: 'not-a-token', connectTimeoutMs: 5_000 });
    const err = await rejection(attempt);
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(performance.now() - started).toBeLessThan(4_000);
    const without = await rejection(connect({ url: broker.url, connectTimeoutMs: 5_000 }));
    expect(without.code).toBe('UNAUTHENTICATED');
    await sleep(300);
    // One refusal each: a client that redialled would have been refused again.
    expect(broker.traffic.errors.UNAUTHENTICATED).toBe(2);
    expect(broker.connectionCount).toBe(0);
  });

  it('refuses the resume of another principal’s session with FORBIDDEN, and resumes its own', async () => {
    const { broker } = await brokerWithAuth();
    const { frame: welcome } = await hello(broker.url, BILLING.token);
    if (welcome.t !== 'welcome') throw new Error('no welcome');
    const resume = {
      t: 'hello',
      v: PROTOCOL_VERSION,
      session: welcome.session,
      secret: welcome.secret,
    };

    const thief = await RawClient.open(broker.url);
    thief.send({ ...resume, authToken: REPORTS.token });
    expect(await thief.next(() => true)).toMatchObject({ t: 'error', code: 'FORBIDDEN' });
    await thief.closed();

    const owner = await RawClient.open(broker.url);
    owner.send({ ...resume, authToken: BILLING.token });
    expect(await owner.next(() => true)).toMatchObject({ t: 'welcome', resumed: true });
  });
});

describe('reloading the auth file', () => {
  it('refuses a removed principal’s next hello and acquire, and keeps what it holds', async () => {
    const { broker, auth } = await brokerWithAuth();
    const removed = await startClient(broker.url, { authToken: REPORTS.token });
    const lease = await removed.acquire('reports/q3');
    auth.write([BILLING, OPS]);
    expect(broker.reloadAuth()).toEqual({ ok: true, principals: 2 });

    expect((await rejection(removed.acquire('reports/q4'))).code).toBe('FORBIDDEN');
    expect(broker.views.isHeld(removed.session!, 'reports/q3', lease.token)).toBe(true);
    expect(lease.signal.aborted).toBe(false);
    const again = await rejection(connect({ url: broker.url, authToken: REPORTS.token }));
    expect(again.code).toBe('UNAUTHENTICATED');
    await lease.release();
  });

  it('lets a narrowed principal keep its lock, and refuses its new acquires outside the new prefixes', async () => {
    const { broker, auth } = await brokerWithAuth();
    const client = await startClient(broker.url, { authToken: BILLING.token });
    const lease = await client.acquire('billing/us/1');
    auth.write([
      { ...BILLING, allow: [{ prefix: 'billing/eu/', rights: ['lock'] }] },
      REPORTS,
      OPS,
    ]);
    expect(broker.reloadAuth().ok).toBe(true);

    expect((await rejection(client.acquire('billing/us/2'))).code).toBe('FORBIDDEN');
    const eu = await client.acquire('billing/eu/1');
    expect(broker.views.isHeld(client.session!, 'billing/us/1', lease.token)).toBe(true);
    // A waiter behind the kept lock is granted once it is released.
    const ops = await startClient(broker.url, { authToken: OPS.token });
    const next = ops.acquire('billing/us/1');
    await lease.release();
    await (await next).release();
    await eu.release();
  });

  it('keeps the principals it had when the new file is bad, and logs the line', async () => {
    const { broker, auth, messages } = await brokerWithAuth();
    auth.write('{\n  "principals": [\n    { "name": "x" ]\n}\n');
    const result = broker.reloadAuth();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/auth\.json:3:19: not valid JSON/);
    expect(messages().join('\n')).toMatch(
      /auth file not reloaded, the previous one stays: .*auth\.json:3:19/,
    );
    const client = await startClient(broker.url, { authToken: REPORTS.token });
    await (await client.acquire('reports/still-here')).release();
  });
});
