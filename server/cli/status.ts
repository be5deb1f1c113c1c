import type { Command } from 'commander';
import type { LockSummary, Overview, Page } from '../admin/admin-types.js';
import { ADMIN_FLAGS, adminTargetFrom } from './admin-flags.js';
import { AdminError, callAdmin } from './admin-http.js';
import { addFlags, resolveSettings } from './flags.js';

/** How many locks the table shows: the longest queues. */
const TOP_LOCKS = 10;

/** Exit statuses of `baton status`, `baton locks` and `baton release`. */
export const ADMIN_EXIT = {
  ok: 0,
  /** The admin server cannot be reached, refused the token, or answered with an error. */
  failed: 1,
  usage: 2,
  /** `baton release`: nobody held the lock, so nothing was released. */
  notHeld: 3,
} as const;

export const ADMIN_EXIT_HELP = `
Exit status: ${ADMIN_EXIT.ok} done; ${ADMIN_EXIT.failed} the admin server cannot be reached (the message says why),
refused the token or answered with an error; ${ADMIN_EXIT.usage} a wrong flag or value.`;

/** `1h 02m`, `3m 07s`, `4.2 s`, `350 ms`: short, and exact where it matters. */
function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.floor(ms / 1_000);
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (s < 3_600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3_600)}h ${pad(Math.floor(s / 60) % 60)}m`;
  return `${Math.floor(s / 86_400)}d ${pad(Math.floor(s / 3_600) % 24)}h`;
}

function overviewLines(o: Overview): string[] {
  const mirror = o.mirror
    ? `${o.mirror.state}, backlog ${o.mirror.backlogEntries}, lag p50 ${o.mirror.lagP50Ms.toFixed(1)} ms / p99 ${o.mirror.lagP99Ms.toFixed(1)} ms`
    : 'none (embedded)';
  const rows: [string, string][] = [
    ['broker', o.url],
    ['role', o.epoch > 0 ? `${o.role} (epoch ${o.epoch})` : o.role],
    ['uptime', formatDuration(o.uptimeMs)],
    ['sessions', String(o.sessions)],
    ['connections', String(o.connections)],
    ['locks held', String(o.locksHeld)],
    ['waiters', String(o.waiters)],
    ['grants/s', `${o.grantsPerSec.toFixed(1)} (${o.grants} since start)`],
    ['mirror', mirror],
  ];
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`);
}

/** Columns padded to their widest cell; numbers aligned right. */
function alignedTable(header: string[], rows: string[][], rightAligned: boolean[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => {
        const w = widths[i] ?? 0;
        return rightAligned[i] ? c.padStart(w) : c.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function lockLines(locks: LockSummary[]): string[] {
  if (locks.length === 0) return ['no locks held or waited for'];
  const rows = locks.map((l) => [
    l.path,
    l.holder
      ? l.holder.name
        ? `${l.holder.sessionId} (${l.holder.name})`
        : l.holder.sessionId
      : '-',
    l.holder ? String(l.holder.token) : '-',
    l.holder ? formatDuration(l.holder.heldMs) : '-',
    String(l.waiting),
    l.waiting > 0 ? formatDuration(l.longestWaitMs) : '-',
  ]);
  const header = ['PATH', 'HOLDER', 'TOKEN', 'HELD FOR', 'WAITING', 'LONGEST WAIT'];
  return alignedTable(header, rows, [false, false, true, true, true, true]);
}

/** Adds `baton status`: a broker's overview and its most contended locks. */
export function statusCommand(program: Command, done: (status: number) => void): void {
  const command = program
    .command('status')
    .description("print a broker's overview and its most contended locks")
    .addHelpText('after', ADMIN_EXIT_HELP);
  addFlags(command, ADMIN_FLAGS);
  command.action(async () => {
    const target = adminTargetFrom(resolveSettings(command, ADMIN_FLAGS, process.env), process.env);
    done(
      await reportAdminErrors('status', async () => {
        const [overview, locks] = await Promise.all([
          callAdmin<Overview>(target, 'GET', '/api/overview'),
          callAdmin<Page<LockSummary>>(target, 'GET', `/api/locks?sort=queue&limit=${TOP_LOCKS}`),
        ]);
        const title = `most contended locks (${locks.items.length} of ${locks.total})`;
        console.log([...overviewLines(overview), '', title, ...lockLines(locks.items)].join('\n'));
        return ADMIN_EXIT.ok;
      }),
    );
  });
}

/** Runs `fn`; an {@link AdminError} is printed and exits 1. */
export async function reportAdminErrors(name: string, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof AdminError)) throw err;
    console.error(`baton ${name}: ${err.message}`);
    return ADMIN_EXIT.failed;
  }
}
