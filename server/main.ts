#!/usr/bin/env node
import { run } from './cli/run.js';
import { serve } from './cli/serve.js';

const USAGE = `usage:
  baton server [--host H] [--port N] [--data-dir DIR] [--session-ttl-ms N] [--lock-delay-ms N]
  baton run PATH [--url URL] [--timeout-ms N] [--session-ttl-ms N] -- CMD [ARGS...]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return serve(rest);
    case 'run':
      return run(rest);
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (err: Error) => {
    console.error(`baton: ${err.message}`);
    process.exitCode = 1;
  },
);
