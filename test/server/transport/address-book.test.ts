import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { AddressBook, MAX_BOOKED_ADDRESSES } from '../../../server/transport/address-book.js';

describe('AddressBook', () => {
  it('keeps one string per address, however many connections come from it', () => {
    const book = new AddressBook();
    for (let i = 0; i < 100; i++) expect(book.canonical(`10.0.0.${i % 3}`)).toBe(`10.0.0.${i % 3}`);
    expect(book.size).toBe(3);
  });

  it('hands every connection of an address the same string, not a copy of its own', () => {
    // Strings compare by value: only the heap tells one string kept from 200,000 copies.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const book = new AddressBook();
    const kept: string[] = new Array<string>(200_000);
    gc();
    const before = process.memoryUsage().heapUsed;
    // Each a new string, as each socket's address is: 32 bytes apiece if kept (6.4 MB).
    for (let i = 0; i < kept.length; i++) kept[i] = book.canonical(['10', '0', '0', '1'].join('.'));
    gc();
    const grownBytes = process.memoryUsage().heapUsed - before;
    expect(grownBytes).toBeLessThan(kept.length * 8);
    expect(kept.at(-1)).toBe('10.0.0.1');
  });

  it('keeps at most MAX_BOOKED_ADDRESSES, forgetting the oldest first', () => {
    const book = new AddressBook();
    const address = (i: number) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
    for (let i = 0; i < 10 * MAX_BOOKED_ADDRESSES; i++) {
      book.canonical(address(i));
      expect(book.size).toBeLessThanOrEqual(MAX_BOOKED_ADDRESSES);
    }
    const fresh = new AddressBook();
    for (let i = 0; i <= MAX_BOOKED_ADDRESSES; i++) fresh.canonical(address(i));
    const size = MAX_BOOKED_ADDRESSES - MAX_BOOKED_ADDRESSES / 10 + 1;
    expect(fresh.size).toBe(size);
    // The newest is still known; the first was forgotten.
    fresh.canonical(address(MAX_BOOKED_ADDRESSES));
    expect(fresh.size).toBe(size);
    fresh.canonical(address(0));
    expect(fresh.size).toBe(size + 1);
  });
});
