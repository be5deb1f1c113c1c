import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  fenceMiddleware,
  resolveHttpFenceOptions,
  STALE_TOKEN_STATUS,
  type FenceMiddleware,
  type FenceRequest,
  type HttpFenceOptions,
} from '../../../client/fencing/index.js';

// The HTTP middleware in a real Node server on loopback, requests over real sockets.

interface Served {
  url: string;
  guard: FenceMiddleware<FenceRequest>;
  /** Paths whose handler ran, in order. */
  reached: string[];
}

async function serve(options: HttpFenceOptions = {}): Promise<Served> {
  const guard = fenceMiddleware(options);
  const reached: string[] = [];
  const server = createServer((req, res) =>
    guard(req, res, () => {
      reached.push(req.url ?? '');
      res.statusCode = 204;
      res.end();
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, guard, reached };
}

/** Sends raw header values (fetch would refuse or rewrite some of them). */
function put(
  url: string,
  path: string,
  headers: Record<string, string | string[]>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'PUT', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const token = (t: number | string): Record<string, string> => ({ 'Baton-Token': String(t) });

describe('fenceMiddleware', () => {
  it('admits the first token and newer or equal ones, refuses an older one with 409', async () => {
    const { url, reached } = await serve();
    expect((await put(url, '/docs/1', token(10))).status).toBe(204);
    expect((await put(url, '/docs/1', token(11))).status).toBe(204);
    expect((await put(url, '/docs/1', token(11))).status).toBe(204);
    const stale = await put(url, '/docs/1', token(10));
    expect(stale.status).toBe(STALE_TOKEN_STATUS);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatch(/stale fencing token/);
    expect(reached).toEqual(['/docs/1', '/docs/1', '/docs/1']);
  });

  it('keeps one newest token per resource, by URL path without the query', async () => {
    const { url, guard } = await serve();
    await put(url, '/docs/1?v=1', token(50));
    expect((await put(url, '/docs/2', token(5))).status).toBe(204);
    expect((await put(url, '/docs/1?v=2', token(49))).status).toBe(409);
    expect(guard.ledger.newestOf('/docs/1')).toBe(50);
  });

  it('refuses a missing or malformed header with 400, before the handler', async () => {
    const { url, reached } = await serve();
    const bad: Record<string, string | string[]>[] = [
      {},
      token(''),
      token('0'),
      token('-5'),
      token('007'),
      token('1.5'),
      token('1e9'),
      token('0x1f'),
      token('9007199254740992'),
      token('9'.repeat(4_000)),
      token('12abc'),
      { 'Baton-Token': ['5', '7'] }, // sent twice: Node joins it as "5, 7"
      { 'X-Baton-Token': '5' },
    ];
    for (const headers of bad) {
      const res = await put(url, '/docs/1', headers);
      expect(res.status, JSON.stringify(headers).slice(0, 80)).toBe(400);
      expect(res.body).toMatch(/baton-token header/);
    }
    expect(reached).toEqual([]);
  });

  it('refuses an over-long resource key with 400', async () => {
    const { url } = await serve({ maxResourceKeyLength: 20 });
    expect((await put(url, `/${'a'.repeat(19)}`, token(1))).status).toBe(204);
    expect((await put(url, `/${'a'.repeat(20)}`, token(1))).status).toBe(400);
  });

  it('takes another header, resource key and bad-request status', async () => {
    const { url } = await serve({
      header: 'X-Fence',
      resourceKey: (req) => (req.headers['x-doc'] as string | undefined) ?? 'none',
      badRequestStatus: 428,
    });
    expect((await put(url, '/a', { 'x-fence': '9', 'x-doc': 'd1' })).status).toBe(204);
    // Another URL, the same document: one resource.
    expect((await put(url, '/b', { 'x-fence': '8', 'x-doc': 'd1' })).status).toBe(409);
    expect((await put(url, '/b', { 'Baton-Token': '8', 'x-doc': 'd1' })).status).toBe(428);
  });

  it('past maxResources, refuses a dropped resource’s older tokens (the floor)', async () => {
    const { url, guard } = await serve({ maxResources: 2 });
    await put(url, '/a', token(100));
    await put(url, '/b', token(101));
    await put(url, '/c', token(102)); // /a is dropped
    expect(guard.ledger.newestOf('/a')).toBeUndefined();
    expect(guard.ledger.floor).toBe(100);
    expect((await put(url, '/a', token(99))).status).toBe(409);
    expect((await put(url, '/a', token(100))).status).toBe(204);
  });

  it('runs as Express-style middleware: a refusal answers and does not call next', () => {
    const guard = fenceMiddleware();
    const sent: { status: number; headers: Record<string, string>; body: string }[] = [];
    const res = {
      statusCode: 200,
      headers: {} as Record<string, string>,
      setHeader(name: string, value: string) {
        this.headers[name] = value;
      },
      end(body: string) {
        sent.push({ status: this.statusCode, headers: this.headers, body });
      },
    };
    let nexts = 0;
    const next = (): void => void nexts++;
    guard({ headers: { 'baton-token': '7' }, url: '/x' }, res, next);
    guard({ headers: { 'baton-token': '6' }, url: '/x' }, res, next);
    expect(nexts).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.status).toBe(409);
    expect(sent[0]?.headers['content-type']).toMatch(/^text\/plain/);
  });
});

describe('resolveHttpFenceOptions', () => {
  it('fills in the defaults, also for fields given as undefined', () => {
    const o = resolveHttpFenceOptions({ header: undefined, maxResources: undefined });
    expect(o.header).toBe('baton-token');
    expect(o.maxResources).toBe(10_000);
    expect(o.maxResourceKeyLength).toBe(1_024);
    expect(o.badRequestStatus).toBe(400);
    expect(o.resourceKey({ headers: {}, url: '/p/q?x=1' })).toBe('/p/q');
  });

  it('names the bad field', () => {
    const bad: [HttpFenceOptions, RegExp][] = [
      [{ header: 'bad header' }, /header/],
      [{ header: '' }, /header/],
      [{ maxResources: 0 }, /maxResources/],
      [{ maxResourceKeyLength: 1.5 }, /maxResourceKeyLength/],
      [{ badRequestStatus: 200 }, /badRequestStatus/],
      [{ badRequestStatus: 409.5 }, /badRequestStatus/],
      [{ resourceKey: 'path' as unknown as () => string }, /resourceKey/],
    ];
    for (const [options, message] of bad) {
      expect(() => resolveHttpFenceOptions(options)).toThrow(message);
    }
  });
});
