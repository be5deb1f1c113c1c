import { parseArgs } from 'node:util';
import { createBroker } from '../broker.js';

const SERVE_USAGE = `usage: baton server [--host 127.0.0.1] [--port 7070] [--data-dir DIR] [--session-ttl-ms N] [--lock-delay-ms N]`;

function intFlag(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`--${name} takes an integer, got ${value}`);
  return n;
}

/** `baton server`: runs a broker until SIGTERM or SIGINT. */
export async function serve(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'session-ttl-ms': { type: 'string' },
      'lock-delay-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    console.log(SERVE_USAGE);
    return 0;
  }
  const broker = await createBroker(
    {
      host: values.host,
      port: intFlag(values.port, 'port'),
      dataDir: values['data-dir'],
      defaultSessionTtlMs: intFlag(values['session-ttl-ms'], 'session-ttl-ms'),
      lockDelayMs: intFlag(values['lock-delay-ms'], 'lock-delay-ms'),
    },
    { warn: (message) => console.error(`baton: ${message}`) },
  );
  console.log(`baton listening on ${broker.url}`);
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      broker.close().then(
        () => resolve(0),
        () => resolve(1),
      );
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}
