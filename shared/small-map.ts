/**
 * A map that nearly always holds one entry or none, coming and going at every
 * handoff: a broker session's holds and requests, a client's pending requests
 * and leases. A `Map` for that costs a hash table each (memory, for 10,000
 * idle sessions) and a new backing store every few entries that come and go;
 * this keeps one entry in place and makes a `Map` when two are kept at once,
 * until it empties again. Deleting or clearing while iterating is safe, as
 * with a `Map`; unlike a `Map`'s, an iteration may miss entries set after it
 * began.
 */
export class SmallMap<K, V> {
  private key: K | undefined = undefined;
  private value: V | undefined = undefined;
  private one = false;
  private many: Map<K, V> | null = null;

  get size(): number {
    return this.many ? this.many.size : this.one ? 1 : 0;
  }

  get(key: K): V | undefined {
    if (this.many) return this.many.get(key);
    return this.one && this.key === key ? this.value : undefined;
  }

  has(key: K): boolean {
    if (this.many) return this.many.has(key);
    return this.one && this.key === key;
  }

  set(key: K, value: V): void {
    if (this.many) {
      this.many.set(key, value);
    } else if (!this.one || this.key === key) {
      this.key = key;
      this.value = value;
      this.one = true;
    } else {
      this.many = new Map([[this.key as K, this.value as V]]);
      this.many.set(key, value);
      this.key = this.value = undefined;
      this.one = false;
    }
  }

  delete(key: K): boolean {
    if (this.many) {
      if (!this.many.delete(key)) return false;
      // Back to one slot once empty: a later single entry costs no table again.
      if (this.many.size === 0) this.many = null;
      return true;
    }
    if (!this.one || this.key !== key) return false;
    this.key = this.value = undefined;
    this.one = false;
    return true;
  }

  clear(): void {
    // Emptied, not only dropped: an iteration under way over it ends, as a Map's would.
    this.many?.clear();
    this.many = null;
    this.key = this.value = undefined;
    this.one = false;
  }

  /** In insertion order, as a `Map`'s. */
  values(): IterableIterator<V> {
    if (this.many) return this.many.values();
    return (this.one ? [this.value as V] : []).values();
  }

  /** Key and value pairs in insertion order, as a `Map`'s. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    if (this.many) return this.many.entries();
    return (this.one ? [[this.key as K, this.value as V] as [K, V]] : []).values();
  }
}
