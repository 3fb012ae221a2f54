/**
 * A FIFO queue with O(1) push, shift and drop from the head (an array with a moving head, compacted as it
 * drains), where `Array#shift()` or `splice(0, n)` would move every element on each call of a long queue. Items
 * can also be read and inserted by position, for a queue kept in an order of its own (the BatchWriter puts a
 * retried entry back at its place).
 * @example
 * ```ts
 * const waiting = new Fifo<string>();
 * waiting.push('a');
 * waiting.shift(); // 'a'
 * ```
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** The item `index` places behind the head (0: the head), or undefined past the end. */
  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  /** The items from first to last, without removing them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i += 1) yield this.#items[i] as T;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.drop(1);
    return item;
  }

  /** Removes the first `count` items (fewer when the queue is shorter). */
  drop(count: number): void {
    const end = Math.min(this.#head + count, this.#items.length);
    for (let i = this.#head; i < end; i += 1) this.#items[i] = undefined;
    this.#head = end;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Inserts `item` `index` places behind the head (0: as the new head; `size`: as the last). */
  insert(index: number, item: T): void {
    this.#items.splice(this.#head + Math.min(Math.max(index, 0), this.size), 0, item);
  }

  /** Removes the items `remove` accepts, keeping the others in order; returns the removed ones, in order. */
  removeWhere(remove: (item: T) => boolean): T[] {
    const kept: T[] = [];
    const removed: T[] = [];
    for (const item of this) (remove(item) ? removed : kept).push(item);
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  /** Removes every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}
