import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/harness.js';
import { freePort } from '../../support/free-port.js';
import { baton, startBaton } from './cli-harness.js';

/** A config file in a fresh directory. */
function configFile(settings: unknown): string {
  const file = join(tempDir(), 'baton.json');
  writeFileSync(file, typeof settings === 'string' ? settings : JSON.stringify(settings));
  return file;
}

/** `--print-config` rows by setting: its value and where it came from. */
function rows(stdout: string): Map<string, { value: string; from: string }> {
  const table = new Map<string, { value: string; from: string }>();
  for (const line of stdout.split('\n').slice(1)) {
    const m = /^(\S+)\s{2,}(.*?)\s{2,}(default|flag \S+|env \S+|file \S+)$/.exec(line);
    if (m) table.set(m[1] as string, { value: m[2] as string, from: m[3] as string });
  }
  return table;
}

describe('baton server settings', () => {
  it('takes each setting from its flag, else its variable, else the file, else the default', async () => {
    const file = configFile({
      port: 7101,
      'admin-port': 7102,
      'max-sessions': 300,
      'lock-delay-ms': 5,
      'strict-prefix': ['billing/', 'ledger/'],
      'no-admin': false,
    });
    const env = { BATON_ADMIN_PORT: '7202', BATON_MAX_SESSIONS: '200', BATON_CONFIG: file };
    const r = await baton(['server', '--print-config', '--max-sessions', '100'], env);
    expect(r.code, r.output).toBe(0);
    const table = rows(r.stdout);
    expect(table.get('max-sessions')).toEqual({ value: '100', from: 'flag --max-sessions' });
    expect(table.get('admin-port')).toEqual({ value: '7202', from: 'env BATON_ADMIN_PORT' });
    expect(table.get('port')).toEqual({ value: '7101', from: `file ${file}` });
    expect(table.get('strict-prefix')).toEqual({
      value: 'billing/, ledger/',
      from: `file ${file}`,
    });
    expect(table.get('config')).toEqual({ value: file, from: 'env BATON_CONFIG' });
    expect(table.get('host')).toEqual({ value: '127.0.0.1', from: 'default' });
    expect(table.get('consistency')).toEqual({ value: 'efficient', from: 'default' });
    expect(r.stderr).toBe('');
  });

  it('masks secrets wherever they come from', async () => {
    const file = configFile({ 'admin-token': 'file-secret-1' });
    const url = 'redis://app:url-secret-2@127.0.0.1:6390';
    const inUrl = await baton(['server', '--print-config', '--config', file, '--redis', url]);
    expect(inUrl.code, inUrl.output).toBe(0);
    const table = rows(inUrl.stdout);
    expect(table.get('admin-token')).toEqual({ value: '****', from: `file ${file}` });
    expect(table.get('redis')?.value).toBe('redis://app:****@127.0.0.1:6390');
    const inEnv = await baton(
      [
        'server',
        '--print-config',
        '--redis',
        'redis://127.0.0.1:6390',
        '--admin-token',
        'flag-secret-3',
      ],
      { BATON_REDIS_PASSWORD: 'env-secret-4' },
    );
    expect(inEnv.code, inEnv.output).toBe(0);
    expect(rows(inEnv.stdout).get('redis-password')).toEqual({
      value: '****',
      from: 'env BATON_REDIS_PASSWORD',
    });
    expect(rows(inEnv.stdout).get('admin-token')).toEqual({
      value: '****',
      from: 'flag --admin-token',
    });
    expect(`${inUrl.output}\n${inEnv.output}`).not.toMatch(/secret-\d/);
  });

  it('starts with the settings of the file and the environment', async () => {
    const port = await freePort();
    const file = configFile({ port, 'no-admin': true, 'data-dir': tempDir() });
    const broker = startBaton(['server', '--config', file], { BATON_LOG_LEVEL: 'warn' });
    await broker.waitForLine(
      new RegExp(`^baton listening on ws://127\\.0\\.0\\.1:${port} \\(embedded\\)$`),
    );
    expect(broker.lines.join('\n')).not.toMatch(/^console:/m);
    process.kill(broker.pid, 'SIGTERM');
    expect((await broker.exited).code).toBe(0);
  });

  const refusals: [string, unknown, RegExp][] = [
    [
      'unknown keys, naming each',
      { port: 1, prot: 2, 'max-session': 3 },
      /unknown keys "prot", "max-session"/,
    ],
    ['a string for an integer', { port: '7070' }, /"port": must be an integer, not a string/],
    ['a number for a switch', { 'no-admin': 1 }, /"no-admin": must be true or false/],
    [
      'a string for a list',
      { 'allowed-origin': 'https://a.example' },
      /"allowed-origin": must be a list/,
    ],
    [
      'a bad duration',
      { 'redis-connect-timeout': 10 },
      /"redis-connect-timeout": must be a duration string/,
    ],
    [
      'a Sentinel without a port',
      { 'redis-sentinels': ['s1'] },
      /"redis-sentinels": item 0: "s1" has no port/,
    ],
    ['a setting that is not a file key', { config: 'other.json' }, /unknown key "config"/],
    ['malformed JSON', '{ "port": 7070, }', /is not valid JSON/],
    ['a list at the top', '[]', /must hold a JSON object/],
  ];
  it.each(refusals)('refuses a config file with %s (exit 2)', async (_, settings, message) => {
    const file = configFile(settings);
    const r = await baton(['server', '--config', file, '--port', '0', '--no-admin']);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stdout).not.toMatch(/listening/);
  });

  it('refuses a missing config file and a malformed variable, naming them (exit 2)', async () => {
    const missing = await baton(['server', '--config', '/nonexistent/baton.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--config: cannot read \/nonexistent\/baton\.json/);
    const variable = await baton(['server', '--print-config'], { BATON_MAX_SESSIONS: 'many' });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toMatch(/BATON_MAX_SESSIONS: "many" is not an integer/);
    const noAdmin = await baton(['server', '--print-config'], { BATON_NO_ADMIN: 'perhaps' });
    expect(noAdmin.code).toBe(2);
    expect(noAdmin.stderr).toMatch(/BATON_NO_ADMIN: "perhaps" is not true or false/);
  });

  it('names the setting behind a value the broker refuses (exit 2)', async () => {
    const env = await baton(['server', '--print-config'], { BATON_PORT: '70000' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/BATON_PORT: transport\.port must be an integer from 0 to 65535/);
    const file = configFile({ 'max-session-ttl-ms': 10 });
    const fromFile = await baton(['server', '--config', file, '--port', '0', '--no-admin']);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toMatch(
      /"max-session-ttl-ms" in .*baton\.json: maxSessionTtlMs must be/,
    );
  });
});

describe('baton server and an unreachable Redis', () => {
  it('says which Redis and why, password masked, and exits 3', async () => {
    const port = await freePort();
    const r = await baton([
      ...['server', '--port', '0', '--no-admin', '--data-dir', tempDir()],
      ...['--redis', `redis://app:hunter2@127.0.0.1:${port}`],
    ]);
    expect(r.code, r.output).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(`cannot use Redis at redis://app:\\*+@127\\.0\\.0\\.1:${port}.*ECONNREFUSED`),
    );
    expect(r.output).not.toMatch(/hunter2/);
  });

  it('gives up on Sentinels that do not answer within --redis-connect-timeout', async () => {
    const port = await freePort();
    const r = await baton([
      ...['server', '--port', '0', '--no-admin', '--data-dir', tempDir()],
      ...['--redis-sentinels', `127.0.0.1:${port}`, '--redis-name', 'main'],
      ...['--redis-connect-timeout', '500ms'],
    ]);
    expect(r.code, r.output).toBe(3);
    expect(r.stderr).toMatch(
      new RegExp(
        `did not answer within 500ms: .*Sentinel 127\\.0\\.0\\.1:${port}: connection refused`,
      ),
    );
  });
});
