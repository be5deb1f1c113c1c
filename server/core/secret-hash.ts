import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Sessions keep only a hash of their secret, so the journal, the Redis log
 * and snapshots never hold one that could resume a session. Secrets are
 * random (126 bits), so a plain SHA-256 needs no salt.
 */
export function hashSecret(secret: string): string {
  return sha256(secret).toString('base64url');
}

/** SHA-256 of `text` (UTF-8): session secrets, auth tokens, the admin token. */
export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Whether `secret` hashes to `hash`, in time that does not depend on where they differ. */
export function secretMatches(hash: string, secret: string): boolean {
  const a = Buffer.from(hash);
  const b = Buffer.from(hashSecret(secret));
  return a.length === b.length && timingSafeEqual(a, b);
}
