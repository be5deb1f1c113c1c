import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { connect } from '../../../client/node.js';
import { sha256 } from '../../../server/core/secret-hash.js';
import { RUN_EXIT } from '../../../server/cli/run.js';
import { BatonError } from '../../../shared/errors.js';
import {
  CLI,
  spawnBroker,
  spawnNode,
  startBroker,
  startClient,
  tempDir,
} from '../../helpers/harness.js';
import { authFile, BILLING, OPS, REPORTS } from '../auth/auth-harness.js';

async function refusalCode(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BatonError);
  return (err as BatonError).code;
}

/** Runs the CLI with `args` to its end. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawnNode([CLI, ...args], {
    BATON_AUTH_TOKEN: '',
    BATON_ADMIN_TOKEN: '',
    ...env,
  });
  const { code } = await child.exited;
  return { code, output: child.lines.join('\n') };
}

describe('baton server --auth-file', () => {
  it('re-reads the file on SIGHUP: a removed principal is refused, a bad file leaves the old one', async () => {
    const auth = authFile([BILLING, REPORTS]);
    const broker = await spawnBroker(tempDir(), ['--auth-file', auth.file, '--no-admin']);
    await broker.waitForLine(/auth file .*: 2 principals/);
    const reports = await startClient(broker.url, { authToken: REPORTS.token });
    const lease = await reports.acquire('reports/held');

    auth.write([BILLING]);
    process.kill(broker.pid, 'SIGHUP');
    await broker.waitForLine(/auth file reloaded: 1 principals/);
    expect(await refusalCode(connect({ url: broker.url, authToken: REPORTS.token }))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await refusalCode(reports.acquire('reports/new'))).toBe('FORBIDDEN');
    expect(lease.signal.aborted).toBe(false);

    auth.write('{ "principals": [ { "name": "x", "allow": [] } ] }');
    process.kill(broker.pid, 'SIGHUP');
    const [line] = await broker.waitForLine(/auth file not reloaded.*/);
    expect(line).toMatch(/auth\.json:1:19: principals\[0\] .*needs a .*tokenSha256/);
    const billing = await startClient(broker.url, { authToken: BILLING.token });
    await (await billing.acquire('billing/after')).release();
    expect(broker.process.exitCode).toBeNull();
  });

  it('refuses to start on a bad auth file, naming the line', async () => {
    const auth = authFile([BILLING]);
    auth.write('{\n  "principals": [\n    { "name": "a", "tokenSha256": "12" }\n  ]\n}\n');
    const { code, output } = await cli(['server', '--port', '0', '--auth-file', auth.file]);
    expect(code).toBe(1);
    expect(output).toMatch(
      /auth\.json:3:35: principals\[0\] \("a"\): "tokenSha256" must be 64 hex/,
    );
    expect(output).not.toMatch(/listening/);
  });

  it('without an auth file refuses a non-loopback host, and with --insecure-no-auth warns', async () => {
    const refused = await cli(['server', '--host', '0.0.0.0', '--port', '0', '--no-admin']);
    expect(refused.code).toBe(2);
    expect(refused.output).toMatch(/0\.0\.0\.0 is not a loopback address.*--insecure-no-auth/);
    expect(refused.output).not.toMatch(/listening/);

    const open = await spawnBroker(tempDir(), ['--insecure-no-auth', '--no-admin']);
    await open.waitForLine(/no auth file and --insecure-no-auth: anyone who reaches/);
  });

  it('prints the hash of a token read on stdin', async () => {
    const child = spawn(process.execPath, [CLI, 'hash-token'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end('s3cret\n');
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out.trim()).toBe(sha256('s3cret').toString('hex'));
  });
});

describe('baton status with principals', () => {
  it('takes --auth-token or BATON_AUTH_TOKEN; a principal without admin rights is refused', async () => {
    const auth = authFile([BILLING, OPS]);
    const broker = await spawnBroker(tempDir(), ['--auth-file', auth.file, '--admin-port', '0']);
    const [, adminUrl] = await broker.waitForLine(/^console: (http:\/\/\S+)\/$/);
    const base = ['status', '--admin-url', adminUrl as string];

    const flag = await cli([...base, '--auth-token', OPS.token]);
    expect(flag.code, flag.output).toBe(0);
    expect(flag.output).toMatch(/^role +embedded$/m);
    const env = await cli(base, { BATON_AUTH_TOKEN: OPS.token });
    expect(env.code, env.output).toBe(0);
    const none = await cli(base);
    expect(none.code).toBe(1);
    expect(none.output).toMatch(/needs a token \(401\): pass --auth-token or set BATON_AUTH_TOKEN/);
    const worker = await cli(base, { BATON_AUTH_TOKEN: BILLING.token });
    expect(worker.code).toBe(1);
    expect(worker.output).toMatch(/refused \(403\): the token has no admin rights/);
  });
});

describe('baton run with principals', () => {
  it('takes --auth-token or BATON_AUTH_TOKEN, and exits 6 when the broker refuses', async () => {
    const broker = await startBroker({ auth: { file: authFile([BILLING]).file } });
    const run = (path: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      cli(
        ['run', path, '--url', broker.url, ...args, '--', 'sh', '-c', 'echo "ran $BATON_TOKEN"'],
        env,
      );

    const ok = await run('billing/a', ['--auth-token', BILLING.token]);
    expect(ok.code, ok.output).toBe(0);
    expect(ok.output).toMatch(/^ran \d+$/m);
    const fromEnv = await run('billing/b', [], { BATON_AUTH_TOKEN: BILLING.token });
    expect(fromEnv.code, fromEnv.output).toBe(0);

    const wrong = await run('billing/c', ['--auth-token', 'wrong']);
    expect(wrong.code).toBe(RUN_EXIT.refused);
    expect(wrong.output).toMatch(/refused: .*credential/);
    expect(wrong.output).not.toMatch(/^ran/m);
    const forbidden = await run('reports/x', [], { BATON_AUTH_TOKEN: BILLING.token });
    expect(forbidden.code).toBe(RUN_EXIT.refused);
    expect(forbidden.output).toMatch(/may not lock reports\/x; sh was not run/);
    expect(RUN_EXIT.refused).toBe(6);
  });
});
