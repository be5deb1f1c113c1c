import { afterEach, describe, expect, test, vi } from 'vitest';

// Browser JavaScript typed for its own config (see sse-parser.test.ts): the
// shape used here is restated. It reads sessionStorage when called, which
// the test stands in for; Node has fetch's Response.
const moduleUrl = new URL('../../../../server/admin/console/api.js', import.meta.url).href;
const api = (await import(moduleUrl)) as {
  checkResponse(response: Response, sentToken: string | null): Promise<void>;
  onUnauthorized(fn: () => void): void;
  setToken(token: string): void;
};

/** The part of the browser's sessionStorage the module uses (this config has no DOM types). */
function memoryStorage(): {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
} {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
  };
}

const refused = (): Response =>
  new Response(JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'no' } }), {
    status: 401,
  });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the console asking for the admin token', () => {
  test('asks when the token in use is refused, not when a replaced one is refused late', async () => {
    vi.stubGlobal('sessionStorage', memoryStorage());
    let asked = 0;
    api.onUnauthorized(() => asked++);

    // No token yet: the broker's refusal asks for one.
    await expect(api.checkResponse(refused(), null)).rejects.toMatchObject({ status: 401 });
    expect(asked).toBe(1);

    // A token was entered while a request without one was out.
    api.setToken('guess');
    await expect(api.checkResponse(refused(), null)).rejects.toMatchObject({ status: 401 });
    expect(asked).toBe(1);
    await expect(api.checkResponse(refused(), 'guess')).rejects.toMatchObject({ status: 401 });
    expect(asked).toBe(2);

    // The right token was entered while a request with the wrong one was out.
    api.setToken('open-sesame');
    await expect(api.checkResponse(refused(), 'guess')).rejects.toMatchObject({ status: 401 });
    expect(asked).toBe(2);

    await expect(api.checkResponse(refused(), 'open-sesame')).rejects.toMatchObject({
      status: 401,
      code: 'UNAUTHORIZED',
    });
    expect(asked).toBe(3);
  });
});
