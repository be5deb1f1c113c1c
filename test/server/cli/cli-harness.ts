import { CLI, spawnNode, type Child } from '../../helpers/harness.js';

/** Variables a developer's shell may hold that would change what the CLI does. */
const CLEAN_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.keys(process.env)
    .filter((name) => name.startsWith('BATON_'))
    .map((name) => [name, '']),
);

/** Starts the built CLI with `args`; killed when the test ends if still running. */
export function startBaton(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  return spawnNode([CLI, ...args], { ...CLEAN_ENV, ...env });
}

export interface BatonRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Both, stderr lines prefixed `[stderr] `, for failure messages. */
  output: string;
}

/** Runs the built CLI with `args` to its end. */
export async function baton(args: string[], env: NodeJS.ProcessEnv = {}): Promise<BatonRun> {
  const child = startBaton(args, env);
  // 'close', not 'exit': by then every line the child wrote has been read.
  const code = await new Promise<number | null>((resolve) =>
    child.process.on('close', (status: number | null) => resolve(status)),
  );
  const err = '[stderr] ';
  return {
    code,
    stdout: child.lines.filter((l) => !l.startsWith(err)).join('\n'),
    stderr: child.lines
      .filter((l) => l.startsWith(err))
      .map((l) => l.slice(err.length))
      .join('\n'),
    output: child.lines.join('\n'),
  };
}
