import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDurably } from './durable-file.js';
import { blockStart, type TokenBlock, type TokenStore } from './token-store.js';

/**
 * The embedded default: the reservation mark lives in `<dataDir>/tokens`,
 * written durably (a crash leaves the old mark or the new one).
 */
export class FileTokenStore implements TokenStore {
  private readonly file: string;
  private readonly pidFile: string;
  private mark: number;

  constructor(
    private readonly dataDir: string,
    private readonly wallClockMs: () => number = Date.now,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.pidFile = join(dataDir, 'broker.pid');
    claimDataDir(this.pidFile);
    this.file = join(dataDir, 'tokens');
    this.mark = readMark(this.file);
  }

  async reserve(issuedUpTo: number, count: number): Promise<TokenBlock> {
    const start = blockStart(this.mark, issuedUpTo, this.wallClockMs());
    const limit = start + count;
    if (!Number.isSafeInteger(limit)) throw new Error('fencing tokens would pass 2^53');
    writeDurably(this.file, `${limit}\n`);
    this.mark = limit;
    return { start, limit };
  }

  async close(): Promise<void> {
    rmSync(this.pidFile, { force: true });
  }
}

/**
 * Two brokers sharing one token file could hand out the same tokens, so a
 * data dir belongs to one live process. A pid file left by a killed broker
 * is taken over.
 */
function claimDataDir(pidFile: string): void {
  let owner = NaN;
  try {
    owner = Number(readFileSync(pidFile, 'utf8').trim());
  } catch {
    // No pid file: the dir is free.
  }
  if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
    throw new Error(`the data dir is in use by process ${owner} (${pidFile})`);
  }
  writeFileSync(pidFile, `${process.pid}\n`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readMark(file: string): number {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  const mark = Number(text.trim());
  if (!Number.isSafeInteger(mark) || mark < 0) {
    throw new Error(`${file} does not hold a token mark; refusing to guess one`);
  }
  return mark;
}
