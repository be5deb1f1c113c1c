import { connect, type BatonClient } from '../../client/node.js';
import type { Consistency } from '../../shared/protocol.js';
import { FencedResource, History } from './history.js';
import { sleep } from './harness.js';

export interface WorkloadOptions {
  urls: string[];
  sessions: number;
  paths: string[];
  consistency: Consistency;
  sessionTtlMs?: number;
}

/**
 * Many SDK sessions looping acquire → write to a fenced resource → release on
 * a few paths, recording everything they see.
 */
export class Workload {
  readonly history = new History();
  readonly resource = new FencedResource();
  readonly errors = new Map<string, number>();
  /** Each client's latest status, for a test's failure message. */
  readonly lastStatus: string[] = [];
  private readonly clients: BatonClient[] = [];
  private running = true;
  private loops: Promise<void>[] = [];

  private constructor(private readonly options: WorkloadOptions) {}

  static async start(options: WorkloadOptions): Promise<Workload> {
    const w = new Workload(options);
    for (let i = 0; i < options.sessions; i++) {
      const client = await connect({
        url: options.urls,
        sessionTtlMs: options.sessionTtlMs ?? 3_000,
        reconnectMaxDelayMs: 200,
        connectTimeoutMs: 10_000,
        name: `worker-${i}`,
      });
      w.clients.push(client);
      client.onStatus(
        (st) =>
          (w.lastStatus[i] =
            `${st.state}${'error' in st && st.error ? ':' + st.error.message : ''}`),
      );
    }
    w.loops = w.clients.map((c, i) => w.loop(c, `w${i}`, i));
    return w;
  }

  /** Grants so far. */
  get grants(): number {
    return this.history.count('grant');
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await Promise.all(this.clients.map((c) => c.close()));
  }

  private async loop(client: BatonClient, session: string, i: number): Promise<void> {
    const { paths, consistency } = this.options;
    let n = i;
    while (this.running) {
      const path = paths[n++ % paths.length] as string;
      try {
        const lease = await client.acquire(path, { timeoutMs: 15_000, consistency });
        const { token } = lease;
        this.history.record({ kind: 'grant', session, path, token });
        lease.signal.addEventListener('abort', () =>
          this.history.record({ kind: 'lost', session, path, token }),
        );
        await sleep(1 + (n % 3));
        if (!lease.signal.aborted) {
          const accepted = this.resource.write(path, token);
          this.history.record({ kind: 'write', session, path, token, accepted });
        }
        this.history.record({ kind: 'release', session, path, token });
        await lease.release().catch((err: { code?: string }) => this.count(err.code ?? 'release'));
      } catch (err) {
        this.count((err as { code?: string }).code ?? 'unknown');
        await sleep(20);
      }
    }
  }

  private count(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }
}
