import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { hashTokenCommand } from './hash-token.js';
import { locksCommand } from './locks.js';
import { releaseCommand } from './release.js';
import { lockCommands } from './run.js';
import { serverCommand } from './serve.js';
import { statusCommand } from './status.js';
import { USAGE_EXIT, UsageError } from './usage-error.js';

const ROOT_HELP = `
Run "baton help COMMAND" (or "baton COMMAND --help") for its flags, their
defaults and environment variables, and its exit statuses.`;

/** A mistake's message names the command and points at its help. */
function usageStyle(command: Command, hint = ''): void {
  const name = command.parent ? `baton ${command.name()}` : 'baton';
  command
    .configureOutput({
      outputError: (text, write) => write(`${name}: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError(`(see ${name} --help${hint})`);
}

/** The whole CLI; `done` receives the exit status of the command that ran. */
function program(done: (status: number) => void): Command {
  const root = new Command('baton')
    .description('Baton, a lock broker: fair FIFO queues, pushed grants and fencing tokens')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .addHelpText('after', ROOT_HELP)
    // Errors and help go through our hands: usage errors exit 2, help 0.
    .exitOverride();
  serverCommand(root, done);
  lockCommands(root, done);
  statusCommand(root, done);
  locksCommand(root, done);
  releaseCommand(root, done);
  hashTokenCommand(root, done);
  usageStyle(root);
  for (const command of root.commands) {
    usageStyle(command, command.name() === 'run' ? "; a command's own flags go after --" : '');
  }
  return root;
}

/** Runs the CLI on `argv` (without node and the script) and resolves with its exit status. */
export async function runCli(argv: string[]): Promise<number> {
  let status = 0;
  let running = 'baton';
  const root = program((s) => (status = s));
  root.hook('preAction', (_root, action) => void (running = `baton ${action.name()}`));
  try {
    await root.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : USAGE_EXIT;
    if (!(err instanceof UsageError)) throw err;
    console.error(`${running}: ${err.message}\n(see ${running} --help)`);
    return USAGE_EXIT;
  }
  return status;
}
