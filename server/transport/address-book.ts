import { forgetOldestTenth } from './forget-oldest.js';

/** Addresses an {@link AddressBook} keeps at most; past it the oldest tenth are forgotten. */
export const MAX_BOOKED_ADDRESSES = 1_000;

/**
 * One string per client address, for all the connections that come from it.
 * Each socket reads its peer's address into a string of its own, and
 * connections from one host (a pool of workers, a NAT) would keep as many
 * copies, in the connections and as their sessions' owners: 32 bytes each
 * for an IPv4 address, for each of 10,000 idle sessions. Bounded: an
 * address forgotten is simply kept anew.
 */
export class AddressBook {
  private readonly known = new Map<string, string>();

  /** The string kept for `address`: the first one seen equal to it. */
  canonical(address: string): string {
    const known = this.known.get(address);
    if (known !== undefined) return known;
    if (this.known.size >= MAX_BOOKED_ADDRESSES)
      forgetOldestTenth(this.known, MAX_BOOKED_ADDRESSES);
    this.known.set(address, address);
    return address;
  }

  get size(): number {
    return this.known.size;
  }
}
