import type { Command } from 'commander';
import { sha256 } from '../core/secret-hash.js';
import { UsageError } from './usage-error.js';

const HASH_HELP = `
Prints the SHA-256 (hex) of the token read on stdin, for "tokenSha256" in an
auth file; one trailing newline is dropped. The token is read from stdin so
that it stays out of ps:
  printf %s "$TOKEN" | baton hash-token`;

/** Adds `baton hash-token`: the auth file's `tokenSha256` of the token on stdin. */
export function hashTokenCommand(program: Command, done: (status: number) => void): void {
  program
    .command('hash-token')
    .description('print the tokenSha256 of a token read on stdin, for an auth file')
    .addHelpText('after', HASH_HELP)
    .action(async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      const token = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/\r?\n$/, '');
      if (token === '') throw new UsageError('no token on stdin');
      console.log(sha256(token).toString('hex'));
      done(0);
    });
}
