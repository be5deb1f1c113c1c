import { describe, expect, it } from 'vitest';
import {
  resolveRedisMirrorOptions,
  type RedisMirrorOptions,
} from '../../../server/mirror/redis-mirror-options.js';
import { useTestCerts } from '../../helpers/certs.js';
import {
  CLI,
  eventually,
  spawnNode,
  startBroker,
  startClient,
  tempDir,
} from '../../helpers/harness.js';
import { memoryLogger, type LogLine } from '../../helpers/memory-logger.js';
import { RedisProcess, SentinelProcess } from '../../helpers/redis-server.js';
import { freePort } from '../../support/free-port.js';

const certs = useTestCerts();

/**
 * Two brokers on `redis`: the first leads and holds a strict lock, then goes
 * away; the second takes over with the lock still held. Proves that both
 * could read and write Redis with the credentials given.
 */
async function failsOver(redis: RedisMirrorOptions): Promise<LogLine[]> {
  const options = { ...redis, leaderLeaseMs: 500 };
  const { logger, lines } = memoryLogger();
  const a = await startBroker({ redis: options }, { logger });
  await eventually(() => (a.role === 'active' ? true : undefined), 5_000, 'a active');
  const client = await startClient(a.url);
  const lease = await client.acquire('billing/ledger', { consistency: 'strict' });
  const b = await startBroker({ redis: options });
  expect(b.role).toBe('standby');
  await eventually(() => (b.views.queue('billing/ledger').holder ? true : undefined));
  await a.close();
  await eventually(() => (b.role === 'active' ? true : undefined), 5_000, 'b active');
  expect(b.views.queue('billing/ledger').holder?.token).toBe(lease.token);
  return lines;
}

/** createBroker's rejection message, and what the broker logged on the way. */
async function refusedStart(redis: RedisMirrorOptions): Promise<{ error: string; log: string }> {
  const { logger, lines } = memoryLogger();
  const error = await startBroker({ redis }, { logger }).then(
    () => 'started',
    (err: Error) => err.message,
  );
  return { error, log: JSON.stringify(lines) };
}

describe('Redis with a password', () => {
  it('mirrors and fails over with redis.password (requirepass)', async () => {
    const server = await RedisProcess.start(['--requirepass', 's3cret-pw']);
    await failsOver({ url: server.url, password: 's3cret-pw' });
  });

  it('mirrors and fails over with an ACL user in the URL', async () => {
    const server = await RedisProcess.start([
      ...['--user', 'baton', 'on', '>acl-pw', '~*', '&*', '+@all'],
      ...['--user', 'default', 'off'],
    ]);
    const url = `redis://baton:acl-pw@127.0.0.1:${server.port}`;
    const log = await failsOver({ url });
    const connected = log.find((l) => l.msg === 'Redis connected');
    expect(connected?.redis).toBe(`redis://baton:***@127.0.0.1:${server.port}`);
    expect(JSON.stringify(log)).not.toContain('acl-pw');
  });

  it('with a wrong password, refuses to start naming the URL, and never shows the password', async () => {
    const server = await RedisProcess.start(['--requirepass', 's3cret-pw']);
    const inUrl = await refusedStart({ url: `redis://:wrong-pw@127.0.0.1:${server.port}` });
    expect(inUrl.error).toMatch(
      new RegExp(
        `cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port}.*WRONGPASS`,
      ),
    );
    const asOption = await refusedStart({ url: server.url, password: 'wrong-pw' });
    expect(asOption.error).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:\d+.*WRONGPASS/);
    for (const said of [inUrl, asOption]) {
      expect(said.error + said.log).not.toContain('wrong-pw');
      expect(said.error + said.log).not.toContain('s3cret-pw');
    }
  });

  it('baton server takes the password from BATON_REDIS_PASSWORD, and exits on a wrong one', async () => {
    const server = await RedisProcess.start(['--requirepass', 's3cret-pw']);
    const args = [
      CLI,
      'server',
      '--port',
      '0',
      '--data-dir',
      tempDir(),
      '--no-admin',
      '--leader-lease-ms',
      '500',
    ];
    const good = spawnNode([...args, '--redis', server.url], { BATON_REDIS_PASSWORD: 's3cret-pw' });
    await good.waitForLine(/"msg":"active \(epoch 1\)"/);
    const bad = spawnNode([...args, '--redis', server.url], { BATON_REDIS_PASSWORD: 'wrong-pw' });
    expect((await bad.exited).code).toBe(3);
    const said = bad.lines.join('\n');
    expect(said).toMatch(/baton server: cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/);
    expect(said).not.toContain('wrong-pw');
  });

  it('through Sentinel: the password goes to the primary the sentinels name', async () => {
    const primary = await RedisProcess.start(['--requirepass', 's3cret-pw']);
    const sentinel = await SentinelProcess.start(primary.port, [
      'sentinel auth-pass mymaster s3cret-pw',
    ]);
    const via = {
      sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
      sentinelName: 'mymaster',
    };
    await failsOver({ ...via, password: 's3cret-pw' });
    const { error } = await refusedStart({ ...via, password: 'wrong-pw' });
    expect(error).toMatch(/cannot use Redis at mymaster via sentinels 127\.0\.0\.1:\d+: WRONGPASS/);
  });

  it('refuses a password given both in the URL and as an option', async () => {
    const { error } = await refusedStart({ url: 'redis://:a@127.0.0.1:1', password: 'b' });
    expect(error).toMatch(/either in redis\.url or as redis\.username\/redis\.password, not both/);
  });
});

describe('Redis over TLS', () => {
  /** A redis-server answering TLS only, with the test server certificate. */
  async function tlsRedis(clientCerts: 'no' | 'yes' = 'no'): Promise<number> {
    const port = await freePort();
    const { server, ca } = certs();
    await RedisProcess.start([
      ...['--port', '0', '--tls-port', String(port)],
      ...['--tls-cert-file', server.certFile, '--tls-key-file', server.keyFile],
      ...['--tls-ca-cert-file', ca.certFile, '--tls-auth-clients', clientCerts],
    ]);
    return port;
  }

  it('shows a client certificate to a Redis that requires one (redis.tlsCert, redis.tlsKey)', async () => {
    const port = await tlsRedis('yes');
    const { ca, client } = certs();
    const url = `rediss://127.0.0.1:${port}`;
    const { error } = await refusedStart({ url, tlsCa: ca.certFile });
    expect(error).toMatch(/cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+: /);
    await failsOver({ url, tlsCa: ca.certFile, tlsCert: client.certFile, tlsKey: client.keyFile });
  });

  it('mirrors and fails over on rediss:// with redis.tlsCa', async () => {
    const port = await tlsRedis();
    await failsOver({ url: `rediss://127.0.0.1:${port}`, tlsCa: certs().ca.certFile });
  });

  it('refuses to start when the Redis certificate is not trusted, saying so', async () => {
    const port = await tlsRedis();
    const { error } = await refusedStart({ url: `rediss://127.0.0.1:${port}` });
    expect(error).toMatch(/cannot use Redis at rediss:\/\/127\.0\.0\.1:\d+.*certificate/);
  });
});

describe('Redis credential and TLS options', () => {
  const refusal = (o: RedisMirrorOptions): string => {
    try {
      resolveRedisMirrorOptions(o);
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('are checked at start, and keep the password and key out of printouts', () => {
    const { ca, client } = certs();
    const url = 'rediss://127.0.0.1:6380';
    expect(refusal({ url, tlsCert: client.certFile })).toBe(
      'redis.tlsCert and redis.tlsKey go together',
    );
    expect(refusal({ url: 'redis://127.0.0.1:1', tlsCa: ca.certFile })).toBe(
      'redis.tlsCa needs a rediss:// URL',
    );
    const sentinels = [{ host: '127.0.0.1', port: 26379 }];
    expect(refusal({ sentinels, sentinelName: 'm', tlsCa: ca.certFile })).toBe(
      'redis.tlsCa is not supported with redis.sentinels yet',
    );
    expect(refusal({ url, tlsCa: '/nonexistent/ca.crt' })).toMatch(
      /^redis\.tlsCa: cannot read \/nonexistent\/ca\.crt/,
    );
    expect(refusal({ url, password: '' })).toBe('redis.password must be a non-empty string');
    const resolved = resolveRedisMirrorOptions({
      ...{ url, password: 'pw-in-options', tlsCa: ca.cert },
      ...{ tlsCert: client.cert, tlsKey: client.key },
    });
    expect(resolved.password).toBe('pw-in-options');
    expect(resolved.tlsClient?.key).toContain('PRIVATE KEY');
    const printed = JSON.stringify(resolved);
    expect(printed).not.toContain('pw-in-options');
    expect(printed).not.toContain('PRIVATE KEY');
  });
});
