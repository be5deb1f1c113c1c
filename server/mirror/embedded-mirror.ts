import { READY, type Readiness } from '../readiness.js';
import type { TokenBlock, TokenStore } from '../tokens/token-store.js';
import type { Mirror, MirrorHost, MirrorStatus } from './mirror.js';

const STATUS: MirrorStatus = Object.freeze({
  backlogEntries: 0,
  lag: Object.freeze({ p50: 0, p99: 0, max: 0, batches: 0 }),
  generation: '',
  dataLosses: 0,
  lastDataLoss: null,
});

/**
 * The embedded default: no log and no rivals. The broker leads from the
 * start, everything is "durable" at once, and fencing tokens come from a
 * durable store (an fsynced file) so they never go back across restarts.
 */
export class EmbeddedMirror implements Mirror {
  readonly role = 'embedded' as const;
  readonly epoch = 0;

  constructor(private readonly tokens: TokenStore) {}

  async start(host: MirrorHost): Promise<void> {
    await host.event({ type: 'promote', epoch: 0, strictGraceMs: 0 });
  }

  append(): void {}

  whenDurable(fn: () => void): void {
    fn();
  }

  mayGrant(): boolean {
    return true;
  }

  reserve(issuedUpTo: number, count: number): Promise<TokenBlock> {
    return this.tokens.reserve(issuedUpTo, count);
  }

  status(): MirrorStatus {
    return STATUS;
  }

  /** Alone, a broker that started grants. */
  readiness(): Readiness {
    return READY;
  }

  async handOver(): Promise<null> {
    return null;
  }

  close(): Promise<void> {
    return this.tokens.close();
  }
}
