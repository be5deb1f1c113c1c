import type { Effect, GrantEffect } from './core/effects.js';
import type { JournalEntry } from './core/journal.js';

/**
 * What a broker publishes. History, metrics and the admin views subscribe;
 * the broker does not know who listens.
 */
export type BrokerEvent =
  /**
   * One command was applied to the table: a frame, an expiry, an operator's
   * action, or (`replayed`) entries a standby took from the active broker's
   * log, which come without effects. `wallMs` stamps it for people.
   */
  | {
      type: 'applied';
      entries: readonly JournalEntry[];
      effects: readonly Effect[];
      replayed: boolean;
      wallMs: number;
    }
  /** A grant went out to its session (after its durability or lease wait); `now` is monotonic ms. */
  | { type: 'granted'; grant: GrantEffect; now: number }
  /** The table was replaced (a snapshot was loaded): what was derived from the old one starts anew. */
  | { type: 'restored' };

export type BrokerListener = (event: BrokerEvent) => void;

/** A broker's subscribers; they are called in order, synchronously. */
export class BrokerEvents {
  private readonly listeners = new Set<BrokerListener>();

  /** Returns the unsubscribe. */
  subscribe(listener: BrokerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: BrokerEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
