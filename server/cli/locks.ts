import type { Command } from 'commander';
import type { LockSummary, Page } from '../admin/admin-types.js';
import { MAX_PAGE_LIMIT } from '../core/table-views.js';
import { ADMIN_FLAGS, adminTargetFrom } from './admin-flags.js';
import { callAdmin } from './admin-http.js';
import { addFlags, resolveSettings, valueOf, type FlagDef } from './flags.js';
import { ADMIN_EXIT, ADMIN_EXIT_HELP, lockLines, reportAdminErrors } from './status.js';
import { UsageError } from './usage-error.js';
import { choiceValue, integerValue, textValue } from './values.js';

const DEFAULT_LIMIT = 50;

const LIST_FLAGS: readonly FlagDef[] = [
  { name: 'prefix', kind: textValue('P'), description: 'only locks whose path starts with P' },
  {
    name: 'limit',
    kind: integerValue('N'),
    description: `show at most N locks (1 to ${MAX_PAGE_LIMIT})`,
    defaultText: String(DEFAULT_LIMIT),
  },
  {
    name: 'sort',
    kind: choiceValue(['path', 'queue', 'wait']),
    description: 'order by path, by queue length, or by longest wait',
    defaultText: 'path',
  },
];

/** Adds `baton locks`: the locks a broker holds or queues for, as a table. */
export function locksCommand(program: Command, done: (status: number) => void): void {
  const flags = [...LIST_FLAGS, ...ADMIN_FLAGS];
  const command = program
    .command('locks')
    .description('list the locks held or waited for, with holders, tokens and queues')
    .addHelpText('after', ADMIN_EXIT_HELP);
  addFlags(command, flags);
  command.action(async () => {
    const settings = resolveSettings(command, flags, process.env);
    const limit = valueOf<number>(settings, 'limit') ?? DEFAULT_LIMIT;
    if (limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new UsageError(`--limit must be from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
    }
    const query = new URLSearchParams({
      sort: valueOf<string>(settings, 'sort') ?? 'path',
      limit: String(limit),
    });
    const prefix = valueOf<string>(settings, 'prefix');
    if (prefix !== undefined) query.set('prefix', prefix);
    const target = adminTargetFrom(settings, process.env);
    done(
      await reportAdminErrors('locks', async () => {
        const page = await callAdmin<Page<LockSummary>>(target, 'GET', `/api/locks?${query}`);
        console.log(lockLines(page.items).join('\n'));
        if (page.total > page.items.length) {
          console.log(`(${page.items.length} of ${page.total}; --limit shows more)`);
        }
        return ADMIN_EXIT.ok;
      }),
    );
  });
}
