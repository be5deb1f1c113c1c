import type { Command as Commander } from 'commander';
import { BatonError, type BatonClient } from '../../client/node.js';
import { BrokerUnreachableError, dialBroker } from './broker-dial.js';
import { addFlags, resolveSettings, valueOf, type FlagDef } from './flags.js';
import {
  holdUntilSignal,
  RUN_EXIT,
  runHolding,
  signalStatus,
  type Command,
  type HeldLease,
} from './holding.js';
import { LOCK_FLAGS, lockRequestFrom, type LockRequest } from './lock-flags.js';
import { UsageError } from './usage-error.js';
import { textValue } from './values.js';

export { RUN_EXIT } from './holding.js';

const EXIT_HELP = `
Exit status: the command's own, or
  ${RUN_EXIT.usage}    usage: a wrong flag, value or URL
  ${RUN_EXIT.timeout}    not acquired: still held after --timeout, or held at once with -n
  ${RUN_EXIT.lockLost}    the lock was lost while held (the command was sent SIGTERM)
  ${RUN_EXIT.unreachable}    no broker could be reached (the message says why: refused, DNS, TLS)
  ${RUN_EXIT.refused}    the broker refused the token, the path, or a limit was hit
  ${RUN_EXIT.cannotStart}  the command could not be started`;

const RUN_HELP = `
The command gets BATON_PATH and BATON_TOKEN (the fencing token) in its
environment. Flags of the command itself go after --:
  baton run reports/daily -- ./report.sh --full
  baton run -n jobs/nightly -- ./nightly.sh
  baton run --timeout 30s jobs/sync --shell 'make sync && touch done'
Without a command, the lock is held until SIGINT or SIGTERM, as baton lock.
${EXIT_HELP}`;

const LOCK_HELP = `
Prints "PATH TOKEN" on stdout once the lock is held, holds it until SIGINT or
SIGTERM, then releases it and exits 0.
${EXIT_HELP}`;

const SHELL_FLAG: FlagDef = {
  name: 'shell',
  kind: textValue('CMD'),
  description: 'run CMD through /bin/sh -c (instead of a command after --)',
};

/** Adds `baton run PATH [-- CMD ARGS…]` and `baton lock PATH`. */
export function lockCommands(program: Commander, done: (status: number) => void): void {
  const run = program
    .command('run')
    .description('run a command while holding a lock (flock for a cluster)')
    .argument('<path>', 'the lock path')
    .argument('[command...]', 'the command and its arguments, after --')
    .addHelpText('after', RUN_HELP);
  addFlags(run, [...LOCK_FLAGS, SHELL_FLAG]);
  run.action(async (path: string, argv: string[]) => {
    const settings = resolveSettings(run, [...LOCK_FLAGS, SHELL_FLAG], process.env);
    const shell = valueOf<string>(settings, 'shell');
    if (shell !== undefined && argv.length > 0) {
      throw new UsageError('give a command after -- or --shell, not both');
    }
    const command: Command | null =
      shell !== undefined
        ? { file: '/bin/sh', args: ['-c', shell], label: 'the --shell command' }
        : argv.length > 0
          ? { file: argv[0] as string, args: argv.slice(1), label: argv[0] as string }
          : null;
    done(await lockAndRun('run', path, lockRequestFrom(settings), command));
  });

  const lock = program
    .command('lock')
    .description('take a lock and hold it until SIGINT or SIGTERM, printing its token')
    .argument('<path>', 'the lock path')
    .addHelpText('after', LOCK_HELP);
  addFlags(lock, LOCK_FLAGS);
  lock.action(async (path: string) => {
    const request = lockRequestFrom(resolveSettings(lock, LOCK_FLAGS, process.env));
    done(await lockAndRun('lock', path, request, null));
  });
}

/** The broker said no to who we are, what we asked for, or how much: trying again will not help. */
const REFUSALS = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'LIMIT_EXCEEDED', 'RATE_LIMITED']);

/** One `baton run` or `baton lock`, and how it reports. */
class Attempt {
  /** Told after a failure, so nobody wonders whether the command ran. */
  readonly notRun: string;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly request: LockRequest,
    readonly command: Command | null,
  ) {
    this.notRun = command === null ? '' : `; ${command.label} was not run`;
  }

  readonly say = (message: string): void => console.error(`baton ${this.name}: ${message}`);

  fail(status: number, message: string): number {
    this.say(`${message}${this.notRun}`);
    return status;
  }
}

async function lockAndRun(
  name: string,
  path: string,
  request: LockRequest,
  command: Command | null,
): Promise<number> {
  const attempt = new Attempt(name, path, request, command);
  const client = await connectFor(attempt);
  if (typeof client === 'number') return client;
  try {
    const lease = await takeUnlessInterrupted(client, attempt);
    if (typeof lease === 'number') return lease;
    if (lease === null)
      return attempt.fail(RUN_EXIT.timeout, `${path} is held by another session (-n)`);
    return command === null
      ? await holdUntilSignal(lease, attempt.say)
      : await runHolding(command, lease, attempt.say);
  } finally {
    await client.close();
  }
}

/** A session with one of the brokers, or the exit status of why there is none. */
async function connectFor(attempt: Attempt): Promise<BatonClient | number> {
  const { request } = attempt;
  try {
    return await dialBroker({
      url: request.urls,
      name: `baton ${attempt.name} ${attempt.path}`,
      connectTimeoutMs: request.connectTimeoutMs,
      ...(request.tls !== undefined && { tls: request.tls }),
      ...(request.sessionTtlMs !== undefined && { sessionTtlMs: request.sessionTtlMs }),
      ...(request.authToken !== undefined && { authToken: request.authToken }),
    });
  } catch (err) {
    if (err instanceof BrokerUnreachableError) {
      return attempt.fail(RUN_EXIT.unreachable, err.message);
    }
    if (err instanceof BatonError && err.code === 'INVALID_OPTION') {
      throw new UsageError(err.message);
    }
    if (err instanceof BatonError && REFUSALS.has(err.code)) {
      const where = request.urls.join(', ');
      return attempt.fail(RUN_EXIT.refused, `the broker at ${where} refused: ${err.message}`);
    }
    throw err;
  }
}

/**
 * The lease (null: held by another, with -n), or the exit status of why
 * there is none. SIGINT or SIGTERM while waiting leaves the queue and ends
 * as the signal would.
 */
async function takeUnlessInterrupted(
  client: BatonClient,
  attempt: Attempt,
): Promise<HeldLease | null | number> {
  const waiting = new AbortController();
  const interrupt = (signal: NodeJS.Signals): void => waiting.abort(signal);
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  try {
    return await take(client, attempt.path, attempt.request, waiting.signal);
  } catch (err) {
    if (waiting.signal.aborted) return signalStatus(waiting.signal.reason as NodeJS.Signals);
    return acquireFailed(err, attempt);
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

/** Acquires, or with -n tries to: null when the lock is held. */
async function take(
  client: BatonClient,
  path: string,
  request: LockRequest,
  signal: AbortSignal,
): Promise<HeldLease | null> {
  const consistency = request.strict ? ('strict' as const) : undefined;
  if (request.nonblock) {
    // tryAcquire takes no level; a zero wait is its strict twin.
    if (consistency === undefined) return client.tryAcquire(path);
    try {
      return await client.acquire(path, { timeoutMs: 0, consistency, signal });
    } catch (err) {
      if (err instanceof BatonError && err.code === 'TIMEOUT') return null;
      throw err;
    }
  }
  return client.acquire(path, {
    signal,
    ...(request.timeoutMs !== undefined && { timeoutMs: request.timeoutMs }),
    ...(consistency !== undefined && { consistency }),
  });
}

function acquireFailed(err: unknown, attempt: Attempt): number {
  if (!(err instanceof BatonError)) throw err;
  const { path, request } = attempt;
  if (err.code === 'TIMEOUT' && request.timeoutMs !== undefined) {
    return attempt.fail(
      RUN_EXIT.timeout,
      `timed out after ${request.timeoutMs} ms waiting for ${path}`,
    );
  }
  if (REFUSALS.has(err.code)) return attempt.fail(RUN_EXIT.refused, err.message);
  if (err.code === 'INVALID_PATH' || err.code === 'INVALID_OPTION') {
    throw new UsageError(err.message);
  }
  // The session went (the broker stopped answering, or ended it) before a grant.
  return attempt.fail(RUN_EXIT.unreachable, err.message);
}
