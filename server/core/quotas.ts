import type { ResolvedLockTableOptions } from './lock-table-options.js';
import type { Session } from './lock-state.js';
import { lockBytes, REQUEST_BYTES, SESSION_BYTES } from './table-bytes.js';
import type { TableState } from './table-state.js';

/** The refusal of anything past the memory budget. */
const MEMORY_BUDGET = 'the broker is at its memory budget (limits.maxTableBytes)';

/**
 * Why a new session of `owner` would break a quota or the memory budget; null
 * when it fits. Detached sessions count too: a client cannot shed its quota
 * by hanging up.
 */
export function sessionRefusal(
  state: TableState,
  o: ResolvedLockTableOptions,
  owner: string,
): string | null {
  if (state.sessions.size >= o.maxSessions) return 'too many sessions';
  if (state.usageOf(owner).sessions >= o.maxSessionsPerOwner) {
    return `an owner may have at most ${o.maxSessionsPerOwner} sessions`;
  }
  if (state.bytes + SESSION_BYTES > o.maxTableBytes) return MEMORY_BUDGET;
  return null;
}

/** Why a new acquire of `path` by `s` would break a quota or the memory budget; null when it fits. */
export function acquireRefusal(
  state: TableState,
  o: ResolvedLockTableOptions,
  s: Session,
  path: string,
): string | null {
  if (s.requests.size >= o.maxLocksPerSession) {
    return `a session may hold and wait for at most ${o.maxLocksPerSession} locks`;
  }
  if (s.usage.requests >= o.maxLocksPerOwner) {
    return `an owner's sessions may hold and wait for at most ${o.maxLocksPerOwner} locks`;
  }
  const bytes = REQUEST_BYTES + (state.locks.has(path) ? 0 : lockBytes(path));
  if (state.bytes + bytes > o.maxTableBytes) return MEMORY_BUDGET;
  return null;
}
