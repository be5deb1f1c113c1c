import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_FLAGS } from '../../../server/cli/server-flags.js';
import { baton } from './cli-harness.js';

const { version } = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../../package.json'), 'utf8'),
) as { version: string };

describe('baton help', () => {
  it('prints help on stdout and exits 0, however it is asked for', async () => {
    for (const args of [['--help'], ['help'], ['-h']]) {
      const r = await baton(args);
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toMatch(/^Usage: baton /);
      for (const command of ['server', 'run', 'lock', 'status', 'locks', 'release']) {
        expect(r.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
      }
      expect(r.stderr).toBe('');
    }
  });

  it('prints each command’s help with its flags, defaults and variables', async () => {
    for (const args of [
      ['help', 'server'],
      ['server', '--help'],
    ]) {
      const r = await baton(args);
      expect(r.code, r.output).toBe(0);
      // Every flag of the table is listed with its variable, so help cannot drift from it.
      for (const def of SERVER_FLAGS.filter((d) => !d.noFlag)) {
        expect(r.stdout).toContain(`--${def.name}`);
      }
      expect(r.stdout).toMatch(
        /--port <N> +port to listen on.*\(default: 7070; env: BATON_PORT\)/s,
      );
      expect(r.stdout).toMatch(/env: BATON_MAX_SESSIONS\)/);
      expect(r.stdout).toMatch(/flag beats its variable, which beats the file/);
    }
    const run = await baton(['help', 'run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/--url <URL>.*default:\s+ws:\/\/127\.0\.0\.1:7070; env: BATON_URL/s);
    expect(run.stdout).toMatch(/-n, --nonblock/);
    expect(run.stdout).toMatch(/--timeout <DURATION>/);
    for (const status of ['2', '3', '4', '5', '6', '127']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${status} +\\S`, 'm'));
    }
    for (const command of ['lock', 'locks', 'release', 'status', 'hash-token']) {
      const r = await baton([command, '--help']);
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: baton ${command}`));
    }
  });

  it('prints the version', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await baton([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(version);
    }
  });
});

describe('usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /Usage: baton/],
    ['an unknown command', ['serve'], /baton: unknown command 'serve'/],
    ['an unknown flag', ['server', '--prot', '7070'], /baton server: unknown option '--prot'/],
    ['a missing argument', ['lock'], /baton lock: missing required argument 'path'/],
    ['a flag without its value', ['run', 'p', '--url'], /argument missing/],
    [
      'a malformed integer',
      ['server', '--port', 'seventy'],
      /--port <N>.*"seventy" is not an integer/,
    ],
    [
      'a malformed duration',
      ['run', 'p', '--timeout', '30', '--', 'true'],
      /"30" is not a duration.*30s/,
    ],
    [
      'a malformed URL',
      ['run', 'p', '--url', 'localhost:7070', '--', 'true'],
      /localhost:7070 is not a URL \(ws:\/\/ or wss:\/\/…\)/,
    ],
    [
      'an http:// broker URL',
      ['run', 'p', '--url', 'http://127.0.0.1:7070', '--', 'true'],
      /not a ws:\/\/ or wss:\/\/ URL/,
    ],
    ['a malformed admin URL', ['status', '--admin-url', 'nowhere'], /nowhere is not a URL/],
    ['a bad choice', ['server', '--consistency', 'strong'], /must be one of efficient, strict/],
    [
      'a Sentinel without a port',
      ['server', '--redis-sentinels', 'sentinel-1', '--redis-name', 'm'],
      /"sentinel-1" has no port/,
    ],
    [
      'a Sentinel with an empty port',
      ['server', '--redis-sentinels', 'a:26379,b:', '--redis-name', 'm'],
      /"b:" has no port/,
    ],
    [
      'a command’s flag before --',
      ['run', 'p', 'sh', '-c', 'true'],
      /unknown option '-c'.*own flags go after --/s,
    ],
    [
      '-n with --timeout',
      ['run', 'p', '-n', '--timeout', '1s', '--', 'true'],
      /-n\/--nonblock does not wait/,
    ],
    ['--shell and a command', ['run', 'p', '--shell', 'true', '--', 'true'], /--shell, not both/],
    [
      '--timeout and --timeout-ms',
      ['run', 'p', '--timeout', '1s', '--timeout-ms', '5', '--', 'true'],
      /--timeout or --timeout-ms, not both/,
    ],
    [
      'an unreadable TLS file',
      ['lock', 'p', '--tls-ca', '/nonexistent/ca.pem'],
      /--tls-ca: cannot read \/nonexistent\/ca\.pem/,
    ],
    ['a bad --limit', ['locks', '--limit', '0'], /--limit must be from 1 to 1000/],
    ['too many arguments', ['lock', 'a', 'b'], /too many arguments/],
  ];
  it.each(cases)('%s: a message on stderr naming the cause, exit 2', async (_, args, message) => {
    const r = await baton(args);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/unreachable|cannot reach/);
  });

  it('names a malformed environment variable as the cause', async () => {
    const r = await baton(['lock', 'p'], { BATON_URL: 'ws://127.0.0.1:1,localhost' });
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toMatch(/^baton lock: BATON_URL: localhost is not a URL/);
  });
});
