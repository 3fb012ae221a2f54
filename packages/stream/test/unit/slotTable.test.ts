import { describe, expect, it } from 'vitest';
import { SlotTable } from '../../src/internal/slotTable.js';

describe('SlotTable', () => {
  it('holds added values until their slot is emptied, and reuses emptied slots', () => {
    // Prepare
    const table = new SlotTable<{ n: number }>();
    const values = Array.from({ length: 5 }, (_, n) => ({ n }));
    // Act
    const slots = values.map((value) => table.add(value));
    const removed = [
      table.delete(slots[1] as number, values[1] as { n: number }),
      table.delete(slots[3] as number, values[3] as { n: number }),
    ];
    const later = { n: 5 };
    const reused = table.add(later);
    // Assess
    expect(slots).toEqual([0, 1, 2, 3, 4]);
    expect(removed).toEqual([true, true]);
    expect([1, 3]).toContain(reused);
    expect(table.size).toBe(4);
    expect([...table].map((v) => v.n).sort()).toEqual([0, 2, 4, 5]);
  });

  it('deletes a value only from the slot that holds it, once', () => {
    // Prepare
    const table = new SlotTable<{ n: number }>();
    const first = { n: 1 };
    const second = { n: 2 };
    const slot = table.add(first);
    table.delete(slot, first);
    const again = table.add(second);
    // Act
    const stale = table.delete(slot, first);
    const wrongSlot = table.delete(again + 1, second);
    // Assess
    expect(again).toBe(slot);
    expect(stale).toBe(false);
    expect(wrongSlot).toBe(false);
    expect(table.size).toBe(1);
    expect([...table]).toEqual([second]);
  });

  it('grows only to the most values held at once', () => {
    // Prepare
    const table = new SlotTable<object>();
    const held: [number, object][] = [];
    let highestSlot = -1;
    // Act: 10,000 values through, never more than 8 at once
    for (let i = 0; i < 10_000; i++) {
      if (held.length === 8) {
        const [slot, value] = held.shift() as [number, object];
        table.delete(slot, value);
      }
      const value = {};
      const slot = table.add(value);
      highestSlot = Math.max(highestSlot, slot);
      held.push([slot, value]);
    }
    // Assess
    expect(highestSlot).toBe(7);
    expect(table.size).toBe(8);
  });

  it('clear() empties every slot and keeps them for reuse', () => {
    // Prepare
    const table = new SlotTable<object>();
    for (let i = 0; i < 3; i++) table.add({});
    // Act
    table.clear();
    const slots = [table.add({}), table.add({}), table.add({}), table.add({})];
    // Assess
    expect(slots.slice(0, 3).sort()).toEqual([0, 1, 2]);
    expect(slots[3]).toBe(3);
    expect(table.size).toBe(4);
  });
});
