import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago, as the kernel hands them out.
 * For servers that need a port known before they start: a Redis that is not
 * the 6379 someone else may own, a broker that must come back on its port.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
