/**
 * The map a session keeps of its holds and of its requests: nearly always
 * one entry or none, coming and going at every handoff. A `Map` for that
 * costs a hash table per session (memory, for 10,000 idle sessions) and a
 * new backing store each time it empties; this keeps one entry in place and
 * makes a `Map` only for a session that has two at once.
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
    if (this.many) return this.many.delete(key);
    if (!this.one || this.key !== key) return false;
    this.key = this.value = undefined;
    this.one = false;
    return true;
  }

  /** In insertion order, as a `Map`'s. */
  values(): IterableIterator<V> {
    if (this.many) return this.many.values();
    return (this.one ? [this.value as V] : []).values();
  }
}
