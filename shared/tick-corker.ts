/** The part of a Node TCP socket that corking needs. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * What corking keeps for one socket: the socket and, while corked, the TCP
 * socket under it. Two fields rather than an object of their own: the
 * broker's connection keeps them itself, one fewer object for each of
 * 10,000 connections; a client keeps a `{ socket, corked: null }`.
 */
export interface CorkState {
  readonly socket: object;
  corked: Corkable | null;
}

/**
 * The first `corkForTick` in a tick corks the TCP socket under `state`'s ws
 * WebSocket, and `afterTick` uncorks it, so frames sent in one tick leave in
 * one write instead of one syscall each. Call before each send.
 *
 * `ws` gives no public handle on that socket; it keeps it in `_socket`. Where
 * there is none (a browser's WebSocket, a socket not yet open) this does
 * nothing. No imports and no globals: `afterTick` (Node's `process.nextTick`)
 * comes from the caller, so this file stays browser-safe.
 */
export function corkForTick<S extends CorkState>(
  state: S,
  afterTick: (fn: (s: S) => void, s: S) => void,
): void {
  if (state.corked) return;
  const tcp = (state.socket as { _socket?: Corkable })._socket;
  if (!tcp) return;
  state.corked = tcp;
  tcp.cork();
  afterTick(flushCork, state);
}

/**
 * Writes what is corked now, in order: a frame someone waits for (a grant)
 * leaves at once, with those queued before it. A flush scheduled by an
 * earlier cork may uncork a later one of the same tick: still that tick's
 * end, and the later one's then finds nothing to do.
 */
export function flushCork(state: CorkState): void {
  const tcp = state.corked;
  if (!tcp) return;
  state.corked = null;
  tcp.uncork();
}
