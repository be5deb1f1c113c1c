import type { Command } from 'commander';
import type { LockDetail, ReleaseReply } from '../admin/admin-types.js';
import { ADMIN_FLAGS, adminTargetFrom } from './admin-flags.js';
import { AdminError, callAdmin, type AdminTarget } from './admin-http.js';
import { addFlags, resolveSettings } from './flags.js';
import { ADMIN_EXIT, reportAdminErrors } from './status.js';

const RELEASE_HELP = `
Takes the lock from its holder, whose lease.signal aborts (reason "revoked"),
and grants it to the next waiter with a larger token. Needs admin rights.

Exit status: ${ADMIN_EXIT.ok} released; ${ADMIN_EXIT.failed} the admin server cannot be reached, refused the token
or answered with an error; ${ADMIN_EXIT.usage} a wrong flag or value; ${ADMIN_EXIT.notHeld} nobody held the lock.`;

/** Adds `baton release PATH`: force-releases a lock through the admin API. */
export function releaseCommand(program: Command, done: (status: number) => void): void {
  const command = program
    .command('release')
    .description('force-release a lock, whoever holds it (admin)')
    .argument('<path>', 'the lock path')
    .addHelpText('after', RELEASE_HELP);
  addFlags(command, ADMIN_FLAGS);
  command.action(async (path: string) => {
    const target = adminTargetFrom(resolveSettings(command, ADMIN_FLAGS, process.env), process.env);
    done(await reportAdminErrors('release', () => release(target, path)));
  });
}

async function release(target: AdminTarget, path: string): Promise<number> {
  const query = new URLSearchParams({ path });
  // For the holder's name only: the release below says whose hold it took.
  const before = await callAdmin<LockDetail>(target, 'GET', `/api/lock?${query}`).catch(() => null);
  let reply: ReleaseReply;
  try {
    reply = await callAdmin<ReleaseReply>(target, 'POST', `/api/lock/release?${query}`);
  } catch (err) {
    if (err instanceof AdminError && err.code === 'CONFLICT') {
      console.log(`${path} is not held on the broker at ${target.base}: nothing released`);
      return ADMIN_EXIT.notHeld;
    }
    throw err;
  }
  const { sessionId, token } = reply.released;
  const name = before?.holder?.sessionId === sessionId ? before.holder.name : undefined;
  const holder = name ? `${sessionId} (${name})` : sessionId;
  console.log(`released ${path}: it was held by session ${holder} with token ${token}`);
  return ADMIN_EXIT.ok;
}
