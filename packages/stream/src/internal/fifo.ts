/**
 * A FIFO queue with O(1) push and shift (an array with a moving head, compacted as it drains), where
 * `Array#shift()` would move every element on each call of a long queue.
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

  /** The items from first to last, without removing them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i += 1) yield this.#items[i] as T;
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
