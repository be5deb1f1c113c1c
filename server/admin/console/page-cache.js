// @ts-check
// Pages of a long list (a lock's queue), loaded as they scroll into view.

/**
 * @template T
 * @typedef {import('./api.js').Page<T>} Page
 */

/**
 * @template T
 * @typedef {object} PageCacheOptions
 * @property {number} pageSize
 * @property {(offset: number, limit: number) => Promise<Page<T>>} load
 * @property {(page: Page<T>) => void} onLoad runs when a page lands
 * @property {(err: unknown) => void} onError
 */

/** @template T */
export class PageCache {
  /** @param {PageCacheOptions<T>} options */
  constructor({ pageSize, load, onLoad, onError }) {
    this.pageSize = pageSize;
    this.load = load;
    this.onLoad = onLoad;
    this.onError = onError;
    /** @type {Map<number, T[]>} items by page number */
    this.pages = new Map();
    /** @type {Set<number>} page numbers on their way */
    this.loading = new Set();
    this.generation = 0;
  }

  /** Forgets every page: the list changed under it. Loads already under way are dropped. */
  reset() {
    this.pages.clear();
    this.loading.clear();
    this.generation++;
  }

  /**
   * Keeps the items of a page fetched elsewhere (the lock detail carries one).
   * @param {Page<T>} page
   */
  put(page) {
    this.pages.set(Math.floor(page.offset / this.pageSize), page.items);
  }

  /**
   * Where the page holding `index` starts.
   * @param {number} index
   */
  pageOffset(index) {
    return Math.floor(index / this.pageSize) * this.pageSize;
  }

  /**
   * The item at `index`, or undefined while its page is not here.
   * @param {number} index
   */
  get(index) {
    const items = this.pages.get(Math.floor(index / this.pageSize));
    return items?.[index % this.pageSize];
  }

  /**
   * Loads the pages of `first..last` that are neither here nor on their way.
   * @param {number} first
   * @param {number} last
   */
  ensure(first, last) {
    for (let p = Math.floor(first / this.pageSize); p <= Math.floor(last / this.pageSize); p++) {
      if (this.pages.has(p) || this.loading.has(p)) continue;
      this.fetch(p);
    }
  }

  /** @param {number} p */
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
