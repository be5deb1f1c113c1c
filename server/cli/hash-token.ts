import { sha256 } from '../core/secret-hash.js';

const HASH_USAGE = `usage: printf %s "$TOKEN" | baton hash-token
  prints the SHA-256 (hex) of the token read on stdin, for "tokenSha256" in an auth file;
  one trailing newline is dropped. The token is read from stdin so that it stays out of ps.`;

/** `baton hash-token`: the auth file's `tokenSha256` of the token on stdin. */
export async function hashToken(args: string[]): Promise<number> {
  if (args.length > 0) {
    console.error(HASH_USAGE);
    return args[0] === '--help' ? 0 : 2;
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const token = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (token === '') {
    console.error(`baton hash-token: no token on stdin\n${HASH_USAGE}`);
    return 2;
  }
  console.log(sha256(token).toString('hex'));
  return 0;
}
