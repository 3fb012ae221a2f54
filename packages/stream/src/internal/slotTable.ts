/**
 * A set of values in numbered slots: `add()` gives a value a free slot and returns its number, `delete()` empties
 * that slot again. Emptied slots are reused, so the table grows only to the most values it held at once.
 *
 * For what a long-lived object takes and drops per message or batch (the writer's in-flight batches), where a
 * `Set` would do. Measured on Node 24: once a `Set` or `Map` has moved to the old generation, adding
 * and deleting young values in it gets them promoted to the old generation with everything they point to, as
 * if its dropped internal tables (replaced every few additions and deletions) kept them alive through every
 * young-generation collection until the next full one. The SQS sink promoted about 500 bytes per message
 * that way with a `Set` of its in-flight batches, and none with this table (see the README of
 * `@tributary/sqs`). A table's array is replaced only while it grows.
 * @example
 * ```ts
 * const inFlight = new SlotTable<string[]>();
 * const batch = ['a', 'b'];
 * const slot = inFlight.add(batch);
 * inFlight.size; // 1
 * inFlight.delete(slot, batch); // true
 * inFlight.delete(slot, batch); // false: already gone
 * ```
 */
export class SlotTable<T extends object> {
  readonly #values: (T | undefined)[] = [];
  /** Numbers of the empty slots below `#values.length`. */
  readonly #free: number[] = [];
  #size = 0;

  /** How many values the table holds. */
  get size(): number {
    return this.#size;
  }

  /** Puts `value` in a free slot; returns the slot's number, for {@link SlotTable.delete}. */
  add(value: T): number {
    const slot = this.#free.pop();
    this.#size += 1;
    if (slot === undefined) {
      this.#values.push(value);
      return this.#values.length - 1;
    }
    this.#values[slot] = value;
    return slot;
  }

  /**
   * Empties `slot` when it holds `value` (the slot may hold another value since: it is reused once emptied).
   * @returns whether the value was there and is now removed
   */
  delete(slot: number, value: T): boolean {
    if (this.#values[slot] !== value) return false;
    this.#values[slot] = undefined;
    this.#free.push(slot);
    this.#size -= 1;
    return true;
  }

  /** Empties every slot. */
  clear(): void {
    this.#free.length = 0;
    for (let slot = this.#values.length - 1; slot >= 0; slot -= 1) {
      this.#values[slot] = undefined;
      this.#free.push(slot);
    }
    this.#size = 0;
  }

  /** The values held, in slot order (not in the order they were added). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (const value of this.#values) if (value !== undefined) yield value;
  }
}
