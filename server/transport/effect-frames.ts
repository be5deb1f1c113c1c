import { PROTOCOL_VERSION, type QueuedFrame, type ServerFrame } from '../../shared/protocol.js';
import type { Effect } from '../core/effects.js';

/** The effects that become a frame to one session. */
export type FrameEffect = Exclude<Effect, { type: 'reserveTokens' | 'refused' | 'ended' }>;

/** The frame that tells a session about `e`. */
export function frameOf(e: FrameEffect): ServerFrame {
  switch (e.type) {
    case 'welcome':
      return {
        t: 'welcome',
        v: PROTOCOL_VERSION,
        session: e.sessionId,
        secret: e.secret,
        ttlMs: e.ttlMs,
        resumed: e.resumed,
        held: e.held,
        compact: true,
      };
    case 'grant':
      return { t: 'grant', id: e.requestId, path: e.path, token: e.token };
    case 'queued': {
      if (e.position === undefined) return { t: 'queued', id: e.requestId };
      const frame: QueuedFrame = { t: 'queued', id: e.requestId, position: e.position };
      if (e.etaMs !== undefined) frame.etaMs = e.etaMs;
      return frame;
    }
    case 'busy':
      return { t: 'busy', id: e.requestId };
    case 'ok':
      return { t: 'ok', id: e.requestId };
    case 'error':
      return { t: 'error', id: e.requestId, code: e.code, message: e.message };
    case 'lost':
      return { t: 'lost', path: e.path, token: e.token, reason: e.reason };
    case 'answered':
      return { t: 'result', id: e.requestId, ...e.outcome };
  }
}
