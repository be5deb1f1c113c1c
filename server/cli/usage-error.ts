/**
 * A mistake in how the CLI was called (a flag, a variable, the config file):
 * the message says which and why, and the command exits with 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The exit status of a usage error, for every command. */
export const USAGE_EXIT = 2;
