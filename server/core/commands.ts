/** The commands a {@link LockTable} takes, and the shapes of its views. */

export interface OpenCommand {
  sessionId: string;
  secret: string;
  ttlMs?: number;
  name?: string;
}
export interface AcquireCommand {
  requestId: number;
  path: string;
  /** false: tryAcquire, grant now or answer busy. */
  wait: boolean;
  timeoutMs?: number;
  /** Strict grants are pushed by the shell only once durable. Default false. */
  strict?: boolean;
}
export interface ReleaseCommand {
  requestId: number;
  path: string;
  token: number;
}

export interface HeldBy {
  sessionId: string;
  requestId: number;
  token: number;
}
export interface WaitingBy {
  sessionId: string;
  requestId: number;
}
