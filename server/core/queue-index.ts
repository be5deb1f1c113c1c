import type { LockState, Waiter } from './lock-state.js';

/**
 * Places in one queue in O(log n): a Fenwick tree over the waiters' join
 * numbers, 1 where a waiter still waits. Built for a queue only once someone
 * asks for places in it, and kept up by its joins and leaves from then on.
 * Join numbers only grow; when they reach the tree's end, the queue is
 * numbered afresh 1..n into a tree twice its length, so that costs O(1) per
 * join over time.
 */
export class QueueIndex {
  private tree = new Int32Array(1);
  private nextSeq = 1;

  constructor(private readonly lock: LockState) {
    this.rebuild();
  }

  /** `w` joined the tail of the queue (already linked). */
  joined(w: Waiter): void {
    if (this.nextSeq >= this.tree.length) return this.rebuild();
    w.seq = this.nextSeq++;
    this.bump(w.seq, 1);
  }

  /** `w` left the queue, from anywhere in it. */
  left(w: Waiter): void {
    if (w.seq > 0) this.bump(w.seq, -1);
    w.seq = 0;
  }

  /** 1 = next in line. */
  position(w: Waiter): number {
    let sum = 0;
    for (let i = w.seq; i > 0; i -= i & -i) sum += this.tree[i]!;
    return sum;
  }

  private rebuild(): void {
    this.tree = new Int32Array(Math.max(16, 2 * this.lock.waiting) + 1);
    let seq = 0;
    for (const w of this.lock.waiters()) {
      w.seq = ++seq;
      this.bump(seq, 1);
    }
    this.nextSeq = seq + 1;
  }

  private bump(at: number, delta: number): void {
    for (let i = at; i < this.tree.length; i += i & -i) this.tree[i]! += delta;
  }
}
