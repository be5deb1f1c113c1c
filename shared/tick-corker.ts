/** The part of a Node TCP socket that corking needs. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Corking for a `ws` WebSocket: the first `cork()` in a tick corks the TCP
 * socket under it and `afterTick` uncorks it, so frames sent in one tick
 * leave in one write instead of one syscall each. `flush()` lets a frame
 * someone waits for (a grant) leave at once, with those queued before it.
 * A class, not closures: the broker keeps one per connection, 10,000 of them.
 *
 * `ws` gives no public handle on that socket; it keeps it in `_socket`. Where
 * there is none (a browser's WebSocket, a socket not yet open) this does
 * nothing. No imports and no globals: `afterTick` (Node's `process.nextTick`)
 * comes from the caller, so this file stays browser-safe.
 */
export class TickCork {
  private corked: Corkable | null = null;

  constructor(
    private readonly socket: object,
    private readonly afterTick: (fn: (c: TickCork) => void, c: TickCork) => void,
  ) {}

  /** Call before each send. */
  cork(): void {
    if (this.corked) return;
    const tcp = (this.socket as { _socket?: Corkable })._socket;
    if (!tcp) return;
    this.corked = tcp;
    tcp.cork();
    this.afterTick(flushCork, this);
  }

  /**
   * Writes what is corked now, in order. A flush scheduled by an earlier cork
   * may uncork a later one of the same tick: still that tick's end, and the
   * later one's then finds nothing to do.
   */
  flush(): void {
    const tcp = this.corked;
    if (!tcp) return;
    this.corked = null;
    tcp.uncork();
  }
}

function flushCork(c: TickCork): void {
  c.flush();
}
