/**
 * Why a broker is not a working member of its cluster, each with the line
 * `/readyz` gives for it. A working member is an embedded or active broker
 * that grants, or a standby whose table follows the log (it sends clients
 * to the active broker and can take over without a reload).
 */
export const NOT_READY_REASONS = Object.freeze({
  starting: 'the broker has not finished starting',
  promoting: 'the broker is taking over as the active broker',
  'handing-over': 'the broker is handing the lead over and takes no new work',
  closing: 'the broker is shutting down',
  'lease-unconfirmed':
    'the active broker could not renew its leader lease in Redis lately: it may not lead any more, and new sessions and strict grants wait for Redis',
  'no-dataset': 'the standby has no dataset to follow yet: Redis holds none it could load',
  'not-following':
    'the standby stopped following the log: Redis cannot be read, or its table is being reloaded',
  behind: 'the standby has not reached the end of the log within a leader lease',
});

export type NotReadyReason = keyof typeof NOT_READY_REASONS;

/** Whether a broker is a working member now, and if not, why. */
export type Readiness = { ready: true } | { ready: false; reason: NotReadyReason };

export const READY: Readiness = Object.freeze({ ready: true });

export function notReady(reason: NotReadyReason): Readiness {
  return { ready: false, reason };
}
