// Pages of a long list (a lock's queue), loaded as they scroll into view.

export class PageCache {
  /** `load(offset, limit)` resolves to a Page; `onLoad(page)` runs when one lands. */
  constructor({ pageSize, load, onLoad, onError }) {
    Object.assign(this, { pageSize, load, onLoad, onError });
    this.pages = new Map();
    this.loading = new Set();
    this.generation = 0;
  }

  /** Forgets every page: the list changed under it. Loads already under way are dropped. */
  reset() {
    this.pages.clear();
    this.loading.clear();
    this.generation++;
  }

  /** Keeps the items of a page fetched elsewhere (the lock detail carries one). */
  put(page) {
    this.pages.set(Math.floor(page.offset / this.pageSize), page.items);
  }

  /** Where the page holding `index` starts. */
  pageOffset(index) {
    return Math.floor(index / this.pageSize) * this.pageSize;
  }

  get(index) {
    const items = this.pages.get(Math.floor(index / this.pageSize));
    return items?.[index % this.pageSize];
  }

  /** Loads the pages of `first..last` that are neither here nor on their way. */
  ensure(first, last) {
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(last / this.pageSize); p++) {
      if (this.pages.has(p) || this.loading.has(p)) continue;
      this.fetch(p);
    }
  }

  async fetch(p) {
    const generation = this.generation;
    this.loading.add(p);
    try {
      const page = await this.load(p * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.put(page);
      this.onLoad(page);
    } catch (err) {
      if (generation === this.generation) this.onError(err);
    } finally {
      if (generation === this.generation) this.loading.delete(p);
    }
  }
}
