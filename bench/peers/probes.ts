import { request } from 'node:http';
import { connect } from 'node:net';

/** How long one readiness probe may take. */
const PROBE_TIMEOUT_MS = 1_000;

/** Sends `text` to 127.0.0.1:`port` and resolves to what comes back before the close or the timeout. */
export function askTcp(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(text));
    const finish = (): void => {
      socket.destroy();
      resolve(out);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, finish);
    socket.on('data', (d) => {
      out += d.toString();
      // Redis keeps the connection open: one reply line is enough.
      if (out.includes('\n')) finish();
    });
    socket.on('end', finish);
    socket.on('error', reject);
  });
}

/** The body of a GET, or a rejection. */
export function httpGet(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
