import type { Command } from 'commander';
import { InvalidOptionError } from '../../shared/errors.js';
import { createBroker, type Broker } from '../broker.js';
import { resolveBrokerOptions, type BrokerOptions } from '../broker-options.js';
import { createLogger, type LogLevel, type Logger } from '../log.js';
import { addFlags, valueOf, type Settings } from './flags.js';
import { whyRedisIsUnreachable } from './redis-probe.js';
import { brokerOptionsFrom, configLines, nameTheSetting, serverSettings } from './server-config.js';
import { DEFAULT_REDIS_CONNECT_TIMEOUT_MS, SERVER_FLAGS } from './server-flags.js';
import { USAGE_EXIT, UsageError } from './usage-error.js';
import { formatDuration } from './values.js';

/** Exit statuses of `baton server`. */
export const SERVER_EXIT = {
  /** Stopped by SIGTERM or SIGINT, its lead handed over; or --print-config. */
  stopped: 0,
  /** Could not start (a port in use, an auth file it cannot use), or failed to hand over. */
  failed: 1,
  /** A flag, variable or config-file setting is wrong; the message names it. */
  usage: USAGE_EXIT,
  /** Redis could not be used at start: unreachable (within --redis-connect-timeout), or it refused the credentials. */
  redisUnreachable: 3,
} as const;

const HELP_AFTER = `
Every flag can also be set by an environment variable (BATON_ and the flag's
name in capitals, - as _: --max-sessions is BATON_MAX_SESSIONS; a switch takes
true or false) or by a key of the --config JSON file, named like the flag
without its dashes: { "max-sessions": 1000, "strict-prefix": ["billing/"] }.
Lists take a JSON array there and commas in a variable; durations a string
with a unit ("10s"). A flag beats its variable, which beats the file, which
beats the default. --print-config shows what applies and why, secrets masked.

Exit status: 0 stopped on SIGTERM or SIGINT (or --print-config); 1 could not
start or hand over; 2 a wrong flag, variable or config setting; 3 Redis could
not be reached at start, or refused the credentials.`;

/** Adds `baton server`: runs a broker, and its admin server, until SIGTERM or SIGINT. */
export function serverCommand(program: Command, done: (status: number) => void): Command {
  const command = program
    .command('server')
    .description('run a broker (and its admin server) until SIGTERM or SIGINT')
    .addHelpText('after', HELP_AFTER);
  addFlags(command, SERVER_FLAGS);
  return command.action(async () => done(await serve(command)));
}

async function serve(command: Command): Promise<number> {
  const settings = serverSettings(command, process.env);
  if (valueOf<boolean>(settings, 'print-config') === true) return printConfig(settings);
  const options = brokerOptionsFrom(settings);
  const logger = createLogger({
    level: valueOf<LogLevel>(settings, 'log-level') ?? 'info',
    ...(valueOf<string>(settings, 'log-format') !== undefined && {
      pretty: valueOf<string>(settings, 'log-format') === 'pretty',
    }),
  });
  let broker: Broker;
  try {
    broker = await startBroker(options, settings, logger);
  } catch (err) {
    return failedStart(err, settings);
  }
  return new Promise<number>((resolve) => {
    // A planned stop hands the lead to a standby at once rather than letting the lease lapse.
    // The broker logs how a reload went; a bad file leaves the old principals in force.
    const reload = (): void => void broker.reloadAuth();
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', reload);
      broker.handOver().then(
        () => resolve(SERVER_EXIT.stopped),
        () => resolve(SERVER_EXIT.failed),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    // Without an auth file SIGHUP keeps its default (ends the process), as before.
    if (broker.access) process.on('SIGHUP', reload);
    // Only now: whoever waits for this line may signal at once, and until a handler is
    // installed the kernel's default for SIGTERM kills the process without a handover.
    console.log(`baton listening on ${broker.url} (${broker.role})`);
    if (broker.adminUrl) console.log(`console: ${broker.adminUrl}/`);
  });
}

/** Redis that cannot be reached at start: which one, and why as far as a probe can tell. */
class RedisStartError extends Error {
  override name = 'RedisStartError';
}

/**
 * Starts the broker. With Redis, a start that takes longer than
 * --redis-connect-timeout is given up: ioredis dials Sentinels forever.
 */
async function startBroker(
  options: BrokerOptions,
  settings: Settings,
  logger: Logger,
): Promise<Broker> {
  const started = createBroker(options, { logger });
  const redis = options.redis;
  if (redis === undefined) return started;
  const timeoutMs =
    valueOf<number>(settings, 'redis-connect-timeout') ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void whyRedisIsUnreachable(redis).then((why) =>
        reject(
          new RedisStartError(`Redis did not answer within ${formatDuration(timeoutMs)}: ${why}`),
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([started, late]);
  } catch (err) {
    // The mirror's own failure says which Redis and why (its password masked).
    if (err instanceof Error && err.message.startsWith('cannot use Redis at')) {
      throw new RedisStartError(err.message);
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function failedStart(err: unknown, settings: Settings): number {
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof UsageError) throw err;
  if (err instanceof InvalidOptionError) {
    throw new UsageError(nameTheSetting(settings, message));
  }
  console.error(`baton server: ${message}`);
  if (err instanceof RedisStartError) {
    // The half-started broker still dials Redis; nothing of it needs an orderly end.
    process.exit(SERVER_EXIT.redisUnreachable);
  }
  return SERVER_EXIT.failed;
}

/** `--print-config`: the settings and their sources, then whether the broker would take them. */
function printConfig(settings: Settings): number {
  console.log(configLines(settings).join('\n'));
  try {
    resolveBrokerOptions(brokerOptionsFrom(settings));
  } catch (err) {
    if (!(err instanceof InvalidOptionError)) throw err;
    throw new UsageError(nameTheSetting(settings, err.message));
  }
  return SERVER_EXIT.stopped;
}
