import { createServer } from 'node:net';

/**
 * Ports are handed out below the kernel's ephemeral range (32768–60999 on
 * Linux): a port the kernel picked for `listen(0)` and we then closed could be
 * taken again at once by any outgoing connection's local end, or by another
 * test worker's pick, before the server meant for it binds (seen as
 * EADDRINUSE in a broker started on it). Here each vitest worker has a block
 * of its own and walks through it from a random place, so a port comes back
 * to it only after the rest of its block.
 */
const FIRST_PORT = 20_000;
const BLOCK = 1_000;
const BLOCKS = 12;
const worker = Number(process.env.VITEST_POOL_ID) || (process.pid % BLOCKS) + 1;
const base = FIRST_PORT + ((worker - 1) % BLOCKS) * BLOCK;
// Each test file loads this afresh: a random start keeps consecutive files off each other's ports.
let next = Math.floor(Math.random() * BLOCK);

/**
 * A loopback port that was free a moment ago and that no other worker of
 * this run will hand out. For servers that need a port known before they
 * start: a Redis that is not the 6379 someone else may own, a broker that
 * must come back on its port.
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < BLOCK; tries++) {
    const port = base + (next++ % BLOCK);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${base}…${base + BLOCK - 1}`);
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
