import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { parseArgs } from 'node:util';
import { connect } from '../../client/node.js';
import { BatonError } from '../../shared/errors.js';
import { TLS_FLAG_OPTIONS, TLS_FLAG_USAGE, tlsFromFlags } from './tls-flags.js';

const RUN_USAGE = `usage: baton run PATH [--url URL] [--auth-token T] [--timeout-ms N] [--session-ttl-ms N]
  ${TLS_FLAG_USAGE} -- CMD [ARGS...]`;

/** Exit statuses of `baton run` besides the command's own. */
export const RUN_EXIT = {
  usage: 2,
  timeout: 3,
  lockLost: 4,
  unreachable: 5,
  /** The broker refused the credential (UNAUTHENTICATED) or the path (FORBIDDEN). */
  refused: 6,
  cannotStart: 127,
} as const;

/** Time a command gets to stop after SIGTERM, once its lock is lost, before SIGKILL. */
const KILL_GRACE_MS = 5_000;

function fail(status: number, message: string): number {
  console.error(`baton run: ${message}`);
  return status;
}

/** `baton run PATH -- CMD`: runs CMD while holding PATH; exits with CMD's status. */
export async function run(args: string[]): Promise<number> {
  const split = args.indexOf('--');
  if (split === -1 || split === args.length - 1) return fail(RUN_EXIT.usage, RUN_USAGE);
  const { values, positionals } = parseArgs({
    args: args.slice(0, split),
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'auth-token': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'session-ttl-ms': { type: 'string' },
      ...TLS_FLAG_OPTIONS,
    },
  });
  const [path, extra] = positionals;
  const [command, ...commandArgs] = args.slice(split + 1) as [string, ...string[]];
  if (path === undefined || extra !== undefined) return fail(RUN_EXIT.usage, RUN_USAGE);
  const timeoutMs = values['timeout-ms'] === undefined ? undefined : Number(values['timeout-ms']);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs >= 0)) {
    return fail(RUN_EXIT.usage, '--timeout-ms takes a non-negative integer');
  }
  const ttl = values['session-ttl-ms'];
  const sessionTtlMs = ttl === undefined ? undefined : Number(ttl);
  if (sessionTtlMs !== undefined && !(Number.isSafeInteger(sessionTtlMs) && sessionTtlMs >= 100)) {
    return fail(RUN_EXIT.usage, '--session-ttl-ms takes an integer of at least 100');
  }
  const url = values.url ?? process.env.BATON_URL ?? 'ws://127.0.0.1:7070';
  // Not BATON_TOKEN: that names the fencing token in the command's environment.
  const authToken = values['auth-token'] ?? (process.env.BATON_AUTH_TOKEN || undefined);

  let tls;
  try {
    tls = tlsFromFlags(values);
  } catch (err) {
    return fail(RUN_EXIT.usage, (err as Error).message);
  }
  let client;
  try {
    client = await connect({
      ...(tls !== undefined && { tls }),
      url,
      name: `baton run ${path}`,
      connectTimeoutMs: 5_000,
      ...(sessionTtlMs !== undefined && { sessionTtlMs }),
      ...(authToken !== undefined && { authToken }),
    });
  } catch (err) {
    if (err instanceof BatonError && err.code === 'INVALID_OPTION') {
      return fail(RUN_EXIT.usage, err.message);
    }
    if (refusal(err)) {
      return fail(RUN_EXIT.refused, `the broker at ${url} refused: ${(err as Error).message}`);
    }
    return fail(
      RUN_EXIT.unreachable,
      `cannot reach the broker at ${url}: ${(err as Error).message}`,
    );
  }
  try {
    const lease = await client.acquire(path, timeoutMs === undefined ? {} : { timeoutMs });
    return await runHolding(command, commandArgs, lease);
  } catch (err) {
    if (err instanceof BatonError && err.code === 'TIMEOUT') {
      return fail(
        RUN_EXIT.timeout,
        `timed out after ${timeoutMs} ms waiting for ${path}; ${command} was not run`,
      );
    }
    if (refusal(err)) {
      return fail(RUN_EXIT.refused, `${(err as Error).message}; ${command} was not run`);
    }
    return fail(RUN_EXIT.usage, (err as Error).message);
  } finally {
    await client.close();
  }
}

/** The broker said no to who we are or what we asked for: trying again will not help. */
function refusal(err: unknown): boolean {
  return err instanceof BatonError && (err.code === 'UNAUTHENTICATED' || err.code === 'FORBIDDEN');
}

interface HeldLease {
  path: string;
  token: number;
  signal: AbortSignal;
  release(): Promise<void>;
}

function runHolding(command: string, args: string[], lease: HeldLease): Promise<number> {
  return new Promise<number>((resolve) => {
    const child = spawn(command, args, {
      stdio: 'inherit',
      env: { ...process.env, BATON_PATH: lease.path, BATON_TOKEN: String(lease.token) },
    });
    let lost = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onLost = (): void => {
      lost = true;
      console.error(
        `baton run: lost the lock on ${lease.path} (${(lease.signal.reason as Error).message}); stopping ${command}`,
      );
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };
    lease.signal.addEventListener('abort', onLost, { once: true });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const done = (status: number): void => {
      clearTimeout(killTimer);
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      lease.signal.removeEventListener('abort', onLost);
      lease.release().then(
        () => resolve(status),
        () => resolve(status),
      );
    };
    child.on('error', (err) => {
      console.error(`baton run: cannot start ${command}: ${err.message}`);
      done(RUN_EXIT.cannotStart);
    });
    child.on('exit', (code, signal) => {
      if (lost) return done(RUN_EXIT.lockLost);
      done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}
