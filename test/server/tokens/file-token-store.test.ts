import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileTokenStore } from '../../../server/tokens/file-token-store.js';
import { blockStart } from '../../../server/tokens/token-store.js';
import { tempDir } from '../../helpers/harness.js';

describe('blockStart', () => {
  it('takes the largest of the stored mark, the issued tokens and the wall clock in µs', () => {
    expect(blockStart(500, 10, 0)).toBe(500);
    expect(blockStart(5, 10, 0)).toBe(11);
    expect(blockStart(5, 10, 2)).toBe(2_000);
    expect(blockStart(0, 0, 0)).toBe(1);
  });
});

describe('FileTokenStore', () => {
  it('never hands out a block below one reserved before, even with the clock stopped at 0', async () => {
    const dir = tempDir();
    const first = new FileTokenStore(dir, () => 0);
    const a = await first.reserve(0, 100);
    const b = await first.reserve(a.start + 10, 100);
    expect(b.start).toBeGreaterThanOrEqual(a.limit);
    await first.close();
    // A restarted broker knows nothing of what was issued: only the file speaks.
    const second = new FileTokenStore(dir, () => 0);
    const c = await second.reserve(0, 100);
    expect(c.start).toBeGreaterThanOrEqual(b.limit);
    await second.close();
  });

  it('follows the wall clock when it is ahead of the mark', async () => {
    const store = new FileTokenStore(tempDir(), () => 1_700_000_000_000);
    const block = await store.reserve(0, 10);
    expect(block).toEqual({ start: 1_700_000_000_000_000, limit: 1_700_000_000_000_010 });
    await store.close();
  });

  it('refuses a token file it cannot read rather than guess', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'tokens'), 'garbage');
    expect(() => new FileTokenStore(dir)).toThrow(/does not hold a token mark/);
  });
});
