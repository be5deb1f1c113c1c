/** The part of a Node TCP socket that corking needs. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** What {@link tickCorker} returns. */
export interface TickCork {
  /** Call before each send: the first call in a tick corks the TCP socket. */
  cork(): void;
  /** Writes what is corked now, in order, instead of at the end of the tick. */
  flush(): void;
}

/**
 * Corking for a `ws` WebSocket: the first `cork()` in a tick corks the TCP
 * socket under it and `afterTick` uncorks it, so frames sent in one tick
 * leave in one write instead of one syscall each. `flush()` lets a frame
 * someone waits for (a grant) leave at once, with those queued before it.
 *
 * `ws` gives no public handle on that socket; it keeps it in `_socket`. Where
 * there is none (a browser's WebSocket, a socket not yet open) this does
 * nothing. No imports and no globals: `afterTick` (Node's `process.nextTick`)
 * comes from the caller, so this file stays browser-safe.
 */
export function tickCorker(socket: object, afterTick: (fn: () => void) => void): TickCork {
  let corked: Corkable | null = null;
  // A flush scheduled by an earlier cork may uncork a later one of the same
  // tick: still the end of that tick, and the later one's finds nothing to do.
  const flush = (): void => {
    const tcp = corked;
    if (!tcp) return;
    corked = null;
    tcp.uncork();
  };
  const cork = (): void => {
    if (corked) return;
    const tcp = (socket as { _socket?: Corkable })._socket;
    if (!tcp) return;
    corked = tcp;
    tcp.cork();
    afterTick(flush);
  };
  return { cork, flush };
}
