import { createServer, type AddressInfo } from 'node:net';

/**
 * A loopback port that was free a moment ago, as the kernel hands them out.
 * Scenario F needs fixed ports (a killed broker comes back on its own port,
 * which its clients already know), and Redis needs one that is not 6379.
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
