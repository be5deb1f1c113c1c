import { get } from 'node:http';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../shared/codec.js';
import { DEFAULT_BROKER_OPTIONS } from '../../server/broker-options.js';
import { guardClientFrame, PROTOCOL_VERSION, type ServerFrame } from '../../shared/protocol.js';
import { EXPECTED_CLOSE_CODES, FIRST_PROBE_ID, probeFrame } from '../helpers/frame-probe.js';
import { FUZZ_KINDS, fuzzFrame, Prng, type FuzzKind } from '../helpers/frame-fuzzer.js';
import {
  eventually,
  sleep,
  spawnBroker,
  startClient,
  tempDir,
  type Child,
} from '../helpers/harness.js';
import { RedisProcess } from '../helpers/redis-server.js';

/** Frames per run: `npm test` runs a short fuzz, `npm run test:faults` at least 100,000 frames. */
const FRAMES = Number(process.env.BATON_FUZZ_FRAMES ?? 3_000);
/** Set BATON_FUZZ_SEED to replay a run; the seed is printed with the figures. */
const SEED = Number(process.env.BATON_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
/** Frames sent between two probes: the broker is done with them before more follow. */
const BATCH = 20;
/** A probe unanswered for this long means the broker hangs. */
const PROBE_TIMEOUT_MS = 10_000;

/** Percent of frames of each kind. */
const KIND_WEIGHTS: Record<FuzzKind, number> = {
  valid: 10,
  mutated: 20,
  bitflip: 12,
  truncated: 10,
  random: 10,
  oversize: 8,
  deep: 8,
  extension: 12,
  'hostile-map': 10,
};

interface Tally {
  sent: number;
  byKind: Record<string, number>;
  errorFrames: Record<string, number>;
  closes: Record<string, number>;
  /**
   * Connections reset (1006) after a frame over the broker's size limit: `ws`
   * closes with 1009, the broker ends the socket at once, and the frames
   * still in flight behind the big one turn its end into a reset.
   */
  resetsAfterOversize: number;
  /** Frames sent behind one that closed the connection unforeseen (an upper bound of those unread). */
  maybeUnread: number;
  connections: number;
  probes: number;
  /** Frames from the broker that did not decode: must stay 0. */
  badReplies: number;
}

function newTally(): Tally {
  return {
    sent: 0,
    byKind: {},
    errorFrames: {},
    closes: {},
    resetsAfterOversize: 0,
    maybeUnread: 0,
    connections: 0,
    probes: 0,
    badReplies: 0,
  };
}

const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

function pickKind(rng: Prng): FuzzKind {
  let roll = rng.below(100);
  for (const kind of FUZZ_KINDS) {
    roll -= KIND_WEIGHTS[kind];
    if (roll < 0) return kind;
  }
  return 'valid';
}

/**
 * True for a frame after which the broker may close the connection: one over
 * the size limit, or a valid frame (a request before hello, a second hello, a bye).
 */
function mayClose(bytes: Uint8Array): boolean {
  if (bytes.length > DEFAULT_BROKER_OPTIONS.limits.maxFrameBytes) return true;
  try {
    return guardClientFrame(decodeFrame(bytes)).ok;
  } catch {
    return false;
  }
}

/** One raw connection of the fuzz: sends bytes, tallies what comes back, waits for probes. */
class FuzzLink {
  closeCode: number | null = null;
  private terminated = false;
  private sentOversize = false;
  private wake: (() => void) | null = null;
  private awaited: number | 'welcome' | null = null;

  private constructor(
    private readonly socket: WebSocket,
    private readonly tally: Tally,
  ) {
    socket.on('message', (data: Buffer) => this.receive(data));
    socket.on('close', (code) => {
      this.closeCode = code;
      // Our own terminate at the end is no close by the broker.
      if (this.terminated) return;
      if (code === 1006 && this.sentOversize) tally.resetsAfterOversize++;
      else bump(tally.closes, String(code));
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static async open(url: string, tally: Tally): Promise<FuzzLink> {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    tally.connections++;
    return new FuzzLink(socket, tally);
  }

  get closed(): boolean {
    return this.closeCode !== null || this.socket.readyState !== WebSocket.OPEN;
  }

  send(bytes: Uint8Array): void {
    if (bytes.length > DEFAULT_BROKER_OPTIONS.limits.maxFrameBytes) this.sentOversize = true;
    this.socket.send(bytes);
  }

  /** Says hello; false if the broker closed instead of welcoming. */
  async hello(): Promise<boolean> {
    this.send(encodeFrame({ t: 'hello', v: PROTOCOL_VERSION, ttlMs: 30_000 }));
    await this.until('welcome');
    return !this.closed;
  }

  /** Sends probe `id` and waits for its answer, or the close. */
  async probe(id: number): Promise<void> {
    this.tally.probes++;
    this.send(probeFrame(id));
    await this.until(id);
  }

  terminate(): void {
    this.terminated = true;
    this.socket.terminate();
  }

  private until(what: number | 'welcome'): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.awaited = what;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to ${what} in ${PROBE_TIMEOUT_MS} ms (seed ${SEED})`)),
        PROBE_TIMEOUT_MS,
      );
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        this.awaited = null;
        resolve();
      };
    });
  }

  private receive(data: Buffer): void {
    let frame: ServerFrame;
    try {
      frame = decodeFrame(data) as ServerFrame;
    } catch {
      this.tally.badReplies++;
      return;
    }
    if (frame.t === 'error') {
      bump(this.tally.errorFrames, frame.code);
      if (frame.id !== undefined && frame.id === this.awaited) this.wake?.();
    } else if (frame.t === 'welcome' && this.awaited === 'welcome') {
      this.wake?.();
    }
  }
}

/**
 * Sends `frames` fuzz frames to `url` over `links` connections at once, each
 * with its own generator; odd ones say hello first unless `beforeHelloOnly`.
 * Connections the broker closes are replaced.
 */
async function fuzz(
  url: string,
  frames: number,
  links: number,
  beforeHelloOnly: boolean,
): Promise<Tally> {
  const tally = newTally();
  let probeId = FIRST_PROBE_ID;
  const worker = async (index: number): Promise<void> => {
    const rng = new Prng(SEED + index * 7_919);
    const afterHello = !beforeHelloOnly && index % 2 === 1;
    let link: FuzzLink | null = null;
    while (tally.sent < frames) {
      if (!link || link.closed) {
        link = await FuzzLink.open(url, tally);
        if (afterHello && !(await link.hello())) continue;
      }
      let batch = 0;
      let closing = false;
      while (!closing && batch < BATCH && tally.sent < frames) {
        const kind = pickKind(rng);
        const bytes = fuzzFrame(rng, kind);
        link.send(bytes);
        tally.sent++;
        batch++;
        bump(tally.byKind, kind);
        // Frames behind one that may end the connection would never be read: probe first.
        closing = mayClose(bytes);
      }
      await link.probe(probeId++);
      // Closed by a frame other than the last: those behind it went unread.
      if (link.closed && !closing) tally.maybeUnread += batch - 1;
    }
    link?.terminate();
  };
  await Promise.all(Array.from({ length: links }, (_, i) => worker(i)));
  return tally;
}

/** {@link fuzz} on a broker process; a failure says whether the process died, and what it printed. */
async function fuzzProcess(
  child: Child & { url: string },
  frames: number,
  links: number,
  beforeHelloOnly: boolean,
): Promise<Tally> {
  try {
    return await fuzz(child.url, frames, links, beforeHelloOnly);
  } catch (err) {
    // A crash resets the connections a moment before the exit is seen.
    await Promise.race([child.exited, sleep(500)]);
    const { exitCode, signalCode } = child.process;
    const state =
      exitCode === null && signalCode === null ? 'alive' : `exited (${exitCode ?? signalCode})`;
    const stderr = child.lines.filter((l) => l.startsWith('[stderr]')).join('\n');
    throw new Error(
      `fuzz failed (seed ${SEED}), broker ${state}: ${(err as Error).message}\n${stderr}`,
    );
  }
}

/** The admin server's URL, from the line the CLI prints. */
function adminUrl(child: Child): string {
  const line = child.lines.find((l) => /console: (http:\/\/\S+)\//.test(l));
  if (!line) throw new Error(`no admin URL in:\n${child.lines.join('\n')}`);
  return (line.match(/console: (http:\/\/\S+?)\/?$/) as RegExpMatchArray)[1] as string;
}

/** `baton_internal_errors_total` from the broker's /metrics. */
function internalErrors(child: Child): Promise<number> {
  return new Promise((resolve, reject) => {
    get(`${adminUrl(child)}/metrics`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const m = text.match(/^baton_internal_errors_total (\d+)$/m);
        if (m) resolve(Number(m[1]));
        else
          reject(new Error(`no baton_internal_errors_total in /metrics:\n${text.slice(0, 500)}`));
      });
    }).on('error', reject);
  });
}

/** The broker process lived through it, said nothing alarming, and counted no internal error. */
async function expectUnharmed(child: Child, tally: Tally): Promise<void> {
  expect(child.process.exitCode, `broker exited (seed ${SEED})`).toBeNull();
  expect(child.process.signalCode).toBeNull();
  const alarming = child.lines.filter((l) =>
    /TypeError|RangeError|SyntaxError|ReferenceError|Uncaught|unhandled|internal error|FATAL/i.test(
      l,
    ),
  );
  expect(alarming, `seed ${SEED}`).toEqual([]);
  expect(await internalErrors(child)).toBe(0);
  expect(tally.badReplies).toBe(0);
  // Nearly every frame reached the broker: few went unread behind an unforeseen close.
  expect(tally.maybeUnread).toBeLessThanOrEqual(tally.sent / 100);
  expect(tally.errorFrames.INTERNAL ?? 0).toBe(0);
  for (const code of Object.keys(tally.closes)) {
    expect(EXPECTED_CLOSE_CODES.has(Number(code)), `close ${code} (seed ${SEED})`).toBe(true);
  }
}

function report(target: string, tally: Tally, startedAt: number): void {
  const elapsedMs = Math.round(performance.now() - startedAt);
  console.log(JSON.stringify({ measure: 'fuzz', target, seed: SEED, ...tally, elapsedMs }));
}

describe(`fuzzing a broker process with ${FRAMES} frames`, () => {
  it('an embedded broker neither crashes nor hangs, and serves afterwards', async () => {
    const broker = await spawnBroker(tempDir(), ['--admin-port', '0']);
    const startedAt = performance.now();
    const tally = await fuzzProcess(broker, FRAMES, 8, false);
    report('embedded', tally, startedAt);
    expect(tally.sent).toBe(FRAMES);
    await expectUnharmed(broker, tally);
    const client = await startClient(broker.url);
    await (await client.acquire('after/fuzz')).release();
    await client.close();
  });

  it('a standby neither crashes nor hangs, and the pair serves afterwards', async () => {
    const redis = await RedisProcess.start();
    const args = ['--redis', redis.url, '--leader-lease-ms', '500', '--admin-port', '0'];
    const active = await spawnBroker(tempDir(), args);
    await eventually(
      () => (active.lines.some((l) => /active \(epoch/.test(l)) ? true : undefined),
      10_000,
      'an active broker',
    );
    const standby = await spawnBroker(tempDir(), args);
    expect(standby.lines.join('\n')).toMatch(/\(standby\)/);
    const frames = Math.max(500, Math.round(FRAMES / 10));
    const startedAt = performance.now();
    // A standby answers a hello with a redirect and closes: only "before hello" applies.
    const tally = await fuzzProcess(standby, frames, 4, true);
    report('standby', tally, startedAt);
    await expectUnharmed(standby, tally);
    await expectUnharmed(active, newTally());
    // Through the standby's redirect to the active broker.
    const client = await startClient([standby.url]);
    await (await client.acquire('after/fuzz')).release();
    await client.close();
    expect(standby.lines.some((l) => /active \(epoch/.test(l))).toBe(false);
  });
});
