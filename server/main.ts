#!/usr/bin/env node
import { hashToken } from './cli/hash-token.js';
import { run } from './cli/run.js';
import { serve } from './cli/serve.js';
import { status } from './cli/status.js';

const USAGE = `usage:
  baton server [--host H] [--port N] [--data-dir DIR] [--session-ttl-ms N] [--lock-delay-ms N]
               [--admin-port N] [--admin-host H] [--admin-token T] [--no-admin]
               [--auth-file FILE | --insecure-no-auth] [--allowed-origin O]...  (--help for all)
  baton status [--admin-url http://127.0.0.1:7071] [--auth-token T] [--tls-ca FILE]
  baton run PATH [--url URL] [--auth-token T] [--timeout-ms N] [--session-ttl-ms N]
             [--tls-ca FILE] -- CMD [ARGS...]
  baton hash-token  < token   (prints the tokenSha256 for an auth file)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'server':
      return serve(rest);
    case 'run':
      return run(rest);
    case 'status':
      return status(rest);
    case 'hash-token':
      return hashToken(rest);
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
