import { parseArgs } from 'node:util';
import type { ClientTlsOptions } from '../../client/client-options.js';
import type { LockSummary, Overview, Page } from '../admin/admin-types.js';
import { httpGet, type HttpAnswer } from './http-get.js';
import { TLS_FLAG_OPTIONS, TLS_FLAG_USAGE, TlsFlagError, tlsFromFlags } from './tls-flags.js';

const STATUS_USAGE = `usage: baton status [--admin-url http://127.0.0.1:7071] [--auth-token T]
  ${TLS_FLAG_USAGE}
  the token (a principal's from the auth file, or the --admin-token) also comes from
  BATON_AUTH_TOKEN or BATON_ADMIN_TOKEN; --token is the old name of --auth-token`;

/** How many locks the table shows: the longest queues. */
const TOP_LOCKS = 10;
const REQUEST_TIMEOUT_MS = 5_000;

/** A failure the user should read as is (no stack, exit 1). */
class StatusError extends Error {
  override name = 'StatusError';
}

type ErrorBody = { error?: { message?: string } };

async function getJson<T>(
  base: string,
  path: string,
  token: string | undefined,
  tls: ClientTlsOptions | undefined,
): Promise<T> {
  let res: HttpAnswer;
  try {
    const headers: Record<string, string> =
      token === undefined ? {} : { Authorization: `Bearer ${token}` };
    res = await httpGet(new URL(path, base), headers, tls, REQUEST_TIMEOUT_MS);
  } catch (err) {
    throw new StatusError(`cannot reach the admin server at ${base}: ${(err as Error).message}`);
  }
  if (res.status === 401) {
    const what = token === undefined ? 'needs a token' : 'refused the token';
    throw new StatusError(
      `the admin server at ${base} ${what} (401): pass --auth-token or set BATON_AUTH_TOKEN`,
    );
  }
  if (res.status === 403) {
    throw new StatusError(
      `the admin server at ${base} refused (403): the token has no admin rights`,
    );
  }
  let body: ErrorBody | null;
  try {
    body = JSON.parse(res.body) as ErrorBody | null;
  } catch {
    body = null;
  }
  if (res.status < 200 || res.status > 299) {
    const why = body?.error?.message ?? res.statusText;
    throw new StatusError(`the admin server at ${base} answered ${res.status}: ${why}`);
  }
  return body as T;
}

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

function lockLines(locks: LockSummary[]): string[] {
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

/** `baton status`: prints a broker's overview and its most contended locks. */
export async function status(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'admin-url': { type: 'string' },
      'auth-token': { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean' },
      ...TLS_FLAG_OPTIONS,
    },
  });
  if (values.help) {
    console.log(STATUS_USAGE);
    return 0;
  }
  const base = values['admin-url'] ?? 'http://127.0.0.1:7071';
  // An empty variable is as good as none.
  const token =
    values['auth-token'] ??
    values.token ??
    (process.env.BATON_AUTH_TOKEN || process.env.BATON_ADMIN_TOKEN || undefined);
  try {
    const tls = tlsFromFlags(values);
    const [overview, locks] = await Promise.all([
      getJson<Overview>(base, '/api/overview', token, tls),
      getJson<Page<LockSummary>>(base, `/api/locks?sort=queue&limit=${TOP_LOCKS}`, token, tls),
    ]);
    const title = `most contended locks (${locks.items.length} of ${locks.total})`;
    console.log([...overviewLines(overview), '', title, ...lockLines(locks.items)].join('\n'));
    return 0;
  } catch (err) {
    if (!(err instanceof StatusError || err instanceof TlsFlagError)) throw err;
    console.error(`baton status: ${err.message}`);
    return 1;
  }
}
