/** The part of a Node TCP socket that corking needs. */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * Returns a function to call before each send on a `ws` WebSocket: the first
 * call in a tick corks the TCP socket under it and `afterTick` uncorks it, so
 * frames sent in one tick leave in one write instead of one syscall each.
 *
 * `ws` gives no public handle on that socket; it keeps it in `_socket`. Where
 * there is none (a browser's WebSocket, a socket not yet open) this does
 * nothing. No imports and no globals: `afterTick` (Node's `process.nextTick`)
 * comes from the caller, so this file stays browser-safe.
 */
export function tickCorker(socket: object, afterTick: (fn: () => void) => void): () => void {
  let corked = false;
  return () => {
    if (corked) return;
    const tcp = (socket as { _socket?: Corkable })._socket;
    if (!tcp) return;
    corked = true;
    tcp.cork();
    afterTick(() => {
      corked = false;
      tcp.uncork();
    });
  };
}
