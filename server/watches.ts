import type { JournalEntry } from './core/journal.js';
import type { LeaderFrame } from '../shared/protocol.js';

/** What {@link Watches} reads and sends through: the table's leader view and the gateway. */
export interface WatchHost {
  leader(path: string): { token: number; value?: string } | null;
  send(sessionId: string, frame: LeaderFrame): void;
}

/** One `watch` of a session: its request id and the path it observes. */
interface Watch {
  readonly sessionId: string;
  readonly id: number;
  readonly path: string;
}

/** Most watches one session may have at once: each costs the broker memory until unwatched. */
export const MAX_WATCHES_PER_SESSION = 1_024;

/**
 * Who observes which path's leader. Watches belong to a session's connection:
 * they go when it detaches (the client sends them again after a resume), so
 * a standby needs none of them and nothing here is journaled.
 */
export class Watches {
  private readonly byPath = new Map<string, Set<Watch>>();
  private readonly bySession = new Map<string, Map<number, Watch>>();
  /** Per watched path, the leader's token its observers were told last (null: nobody). */
  private readonly told = new Map<string, number | null>();

  constructor(private readonly host: WatchHost) {}

  /** The frame that tells watch `id` who leads `path` now. */
  frame(id: number, path: string): LeaderFrame {
    return { t: 'leader', id, path, ...this.host.leader(path) };
  }

  /** A grant went out: observers hear of it if it made a new leader. */
  granted(path: string, token: number): void {
    if (this.byPath.has(path) && this.host.leader(path)?.token === token) this.tell(path, token);
  }

  /**
   * After watched paths' holders let go: observers hear that nobody leads, or
   * of a holder that already knew it held (a semaphore's next), once per path
   * and only if that changed. A holder granted in this same batch is told by
   * its grant's push instead (a strict grant waits to be durable; observers
   * must not hear of it sooner). O(entries), nothing made without watchers.
   */
  applied(entries: readonly JournalEntry[]): void {
    if (this.byPath.size === 0) return;
    let freed: Set<string> | null = null;
    let grantedNow: Set<number> | null = null;
    for (const e of entries) {
      if (e[0] === 'free' && this.byPath.has(e[1])) (freed ??= new Set()).add(e[1]);
      else if (e[0] === 'grant' && this.byPath.has(e[3])) (grantedNow ??= new Set()).add(e[4]);
    }
    for (const path of freed ?? []) {
      const token = this.host.leader(path)?.token ?? null;
      if (token === null || !grantedNow?.has(token)) this.tell(path, token);
    }
  }

  /** Tells `path`'s observers its leader is `token` (null: nobody), unless they were told so last. */
  private tell(path: string, token: number | null): void {
    if (this.told.get(path) === token) return;
    this.told.set(path, token);
    for (const w of this.byPath.get(path) ?? []) {
      this.host.send(w.sessionId, this.frame(w.id, path));
    }
  }

  /** False when the session already has {@link MAX_WATCHES_PER_SESSION}. A resent id replaces its watch. */
  add(sessionId: string, id: number, path: string): boolean {
    let mine = this.bySession.get(sessionId);
    if (!mine) this.bySession.set(sessionId, (mine = new Map()));
    this.remove(sessionId, id);
    if (mine.size >= MAX_WATCHES_PER_SESSION) return false;
    const w: Watch = { sessionId, id, path };
    mine.set(id, w);
    let watchers = this.byPath.get(path);
    if (!watchers) {
      this.byPath.set(path, (watchers = new Set()));
      this.told.set(path, this.host.leader(path)?.token ?? null);
    }
    watchers.add(w);
    return true;
  }

  remove(sessionId: string, id: number): void {
    const w = this.bySession.get(sessionId)?.get(id);
    if (!w) return;
    this.bySession.get(sessionId)!.delete(id);
    const watchers = this.byPath.get(w.path)!;
    watchers.delete(w);
    if (watchers.size > 0) return;
    this.byPath.delete(w.path);
    this.told.delete(w.path);
  }

  dropSession(sessionId: string): void {
    const mine = this.bySession.get(sessionId);
    if (!mine) return;
    for (const id of [...mine.keys()]) this.remove(sessionId, id);
    this.bySession.delete(sessionId);
  }
}
