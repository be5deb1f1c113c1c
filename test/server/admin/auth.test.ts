import { readdirSync } from 'node:fs';
import { extname } from 'node:path';
import { memoryLogger } from '../../helpers/memory-logger.js';
import { describe, expect, it } from 'vitest';
import { startAdmin } from '../../../server/admin/admin-server.js';
import { CONSOLE_DIR } from '../../../server/admin/static-files.js';
import { startClient } from '../../helpers/harness.js';
import { brokerWithAdmin, call } from './admin-harness.js';

describe('admin credentials and exposure', () => {
  it('needs the bearer token on /api/* and /metrics, and not on health or the console', async () => {
    const { broker, admin } = await brokerWithAdmin({}, { token: 'sekret' });
    const client = await startClient(broker.url);
    await client.acquire('guarded');
    for (const path of ['/api/overview', '/api/locks', '/metrics', '/api/events']) {
      const none = await call(admin, path);
      expect(none.status, path).toBe(401);
      expect(none.headers['www-authenticate'], path).toMatch(/^Bearer/);
      const wrong = await call(admin, path, { token: 'sekreT' });
      expect(wrong.status, path).toBe(401);
      expect(wrong.body.error.code, path).toBe('UNAUTHORIZED');
    }
    const post = await call(admin, '/api/lock/release?path=guarded', { method: 'POST' });
    expect(post.status).toBe(401);
    expect(broker.views.queue('guarded').holder).not.toBeNull();

    expect((await call(admin, '/api/overview', { token: 'sekret' })).status).toBe(200);
    expect((await call(admin, '/metrics', { token: 'sekret' })).status).toBe(200);
    for (const open of ['/healthz', '/readyz', '/']) {
      expect((await call(admin, open)).status, open).toBe(200);
    }
  });

  it('refuses to listen beyond loopback without a token, and says once that it is open', async () => {
    const { broker } = await brokerWithAdmin();
    await expect(startAdmin(broker.admin, { host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /0\.0\.0\.0 is not a loopback address/,
    );
    // A bearer token is one word: one with a space could never be presented.
    await expect(startAdmin(broker.admin, { port: 0, token: 'a b' })).rejects.toThrow(/spaces/);
    const { logger, messages } = memoryLogger();
    const admin = await startAdmin(broker.admin, { port: 0 }, logger);
    try {
      await call(admin, '/api/overview');
      expect(messages()).toEqual([
        expect.stringMatching(/has no token: any local user can use it/),
      ]);
    } finally {
      await admin.close();
    }
  });

  it('without a token, refuses foreign Host names and cross-origin posts', async () => {
    const { broker, admin } = await brokerWithAdmin();
    const client = await startClient(broker.url);
    await client.acquire('local');
    const rebound = await call(admin, '/api/overview', { headers: { host: 'evil.example' } });
    expect(rebound.status).toBe(400);
    const forged = await call(admin, '/api/lock/release?path=local', {
      method: 'POST',
      headers: { origin: 'http://evil.example' },
    });
    expect(forged.status).toBe(400);
    const crossSite = await call(admin, '/api/events', {
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(crossSite.status).toBe(400);
    expect(broker.views.queue('local').holder).not.toBeNull();
    const sameOrigin = await call(admin, '/api/lock/release?path=local', {
      method: 'POST',
      headers: { origin: admin.url },
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('serves the console files by plain name with their types, and nothing else', async () => {
    const { admin } = await brokerWithAdmin();
    const index = await call(admin, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.text).toMatch(/<html/i);
    const types: Record<string, RegExp> = {
      '.html': /^text\/html/,
      '.js': /^text\/javascript/,
      '.css': /^text\/css/,
      '.png': /^image\/png$/,
      '.svg': /^image\/svg\+xml$/,
    };
    const files = readdirSync(CONSOLE_DIR).filter((f) => types[extname(f)]);
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const answer = await call(admin, `/console/${file}`);
      expect(answer.status, file).toBe(200);
      expect(answer.headers['content-type'], file).toMatch(types[extname(file)] as RegExp);
    }
    for (const bad of [
      '/console/%2e%2e%2fadmin-types.ts',
      '/console/..%2F..%2Fpackage.json',
      '/console/.hidden.js',
      '/console/../admin-server.ts',
      '/console/missing.js',
      '/console/',
      '/console/index.html/x',
    ]) {
      expect((await call(admin, bad)).status, bad).toBe(404);
    }
  });
});
