/**
 * The part of a WebSocket the client needs. Both the browser's `WebSocket`
 * and the `ws` package fit it, so the client core stays browser-safe.
 */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url`; each entry point supplies its own. */
export type WebSocketFactory = (url: string) => WebSocketLike;

/** The `readyState` of an open socket, the same in every implementation. */
export const OPEN = 1;

/** Turns a message payload from either implementation into bytes. */
export function messageBytes(data: unknown): Uint8Array | null {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return null;
}
