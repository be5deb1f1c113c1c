/**
 * Deletes the oldest tenth of `map`'s keys (a Map keeps insertion order):
 * a map bounded at `max` entries then pays O(1) a new key on average,
 * however many come and go.
 */
export function forgetOldestTenth(map: Map<unknown, unknown>, max: number): void {
  let n = max / 10;
  for (const key of map.keys()) {
    if (n-- <= 0) break;
    map.delete(key);
  }
}
