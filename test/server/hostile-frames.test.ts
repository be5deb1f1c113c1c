import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Broker } from '../../server/broker.js';
import type { ServerFrame } from '../../shared/protocol.js';
import { eventually, startBroker, startClient } from '../helpers/harness.js';
import { EXPECTED_CLOSE_CODES, FIRST_PROBE_ID, probeFrame } from '../helpers/frame-probe.js';
import { hostileFrameBytes } from '../helpers/hostile-values.js';
import { brokerPair } from '../helpers/broker-pair.js';
import { byId, RawClient } from '../helpers/raw-client.js';

/** A connection fast-check runs reuse until the broker closes it. */
class Target {
  private raw: RawClient | null = null;
  private probeId = FIRST_PROBE_ID;

  constructor(
    private readonly url: string,
    private readonly afterHello: boolean,
  ) {}

  /**
   * Sends `bytes`, then a probe; resolves once the probe is answered or the
   * connection closed, with what the broker sent meanwhile.
   */
  async send(bytes: Uint8Array): Promise<{ frames: ServerFrame[]; closeCode: number | null }> {
    const raw = (this.raw ??= this.afterHello
      ? await RawClient.session(this.url)
      : await RawClient.open(this.url));
    const id = this.probeId++;
    raw.sendBytes(bytes);
    raw.sendBytes(probeFrame(id));
    await Promise.race([raw.next(byId(id), 5_000), raw.closed(5_000)]);
    const frames = raw.frames.splice(0);
    if (raw.closeEvent) this.raw = null;
    return { frames, closeCode: raw.closeEvent?.code ?? null };
  }
}

/** The broker answered like a broker: typed errors, expected close codes, no INTERNAL. */
function expectComposure({ frames, closeCode }: Awaited<ReturnType<Target['send']>>): void {
  for (const f of frames) {
    if (f.t === 'error') expect(f.code, f.message).not.toBe('INTERNAL');
  }
  if (closeCode !== null)
    expect(EXPECTED_CLOSE_CODES.has(closeCode), `close ${closeCode}`).toBe(true);
}

async function fuzz(url: string, afterHello: boolean, numRuns: number): Promise<void> {
  const target = new Target(url, afterHello);
  await fc.assert(
    fc.asyncProperty(hostileFrameBytes, async (bytes) => expectComposure(await target.send(bytes))),
    { numRuns },
  );
}

/** The broker still grants and takes back a lock for a well-behaved client. */
async function stillServes(broker: Broker): Promise<void> {
  const client = await startClient(broker.url);
  const lease = await client.acquire(`health/${Math.random()}`);
  await lease.release();
  await client.close();
}

describe('hostile frames over a real WebSocket', () => {
  it('an embedded broker answers every one before hello, and serves on', async () => {
    const broker = await startBroker();
    await fuzz(broker.url, false, 300);
    expect(broker.admin.counters().internalErrors).toBe(0);
    await stillServes(broker);
  });

  it('an embedded broker answers every one after hello, and serves on', async () => {
    const broker = await startBroker();
    await fuzz(broker.url, true, 300);
    expect(broker.admin.counters().internalErrors).toBe(0);
    await stillServes(broker);
  });

  it('a Redis-backed active broker and its standby answer every one, and serve on', async () => {
    const { active, standby } = await brokerPair();
    expect(standby.role).toBe('standby');
    // A standby answers a hello with a redirect and closes: only "before hello" applies to it.
    await fuzz(standby.url, false, 200);
    await fuzz(active.url, true, 150);
    expect(standby.admin.counters().internalErrors).toBe(0);
    expect(active.admin.counters().internalErrors).toBe(0);
    expect(standby.role).toBe('standby');
    await stillServes(active);
  });
});
