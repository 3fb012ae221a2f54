import { describe, expect, it } from 'vitest';
import { Fifo } from '../../src/internal/fifo.js';

describe('Fifo', () => {
  it('returns items in push order across compactions', () => {
    // Prepare
    const fifo = new Fifo<number>();
    const out: number[] = [];
    // Act
    for (let i = 0; i < 5000; i++) {
      fifo.push(i);
      if (i % 3 === 0) out.push(fifo.shift() as number);
    }
    while (fifo.size > 0) out.push(fifo.shift() as number);
    // Assess
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(fifo.shift()).toBeUndefined();
    expect(fifo.size).toBe(0);
  });
});

describe('Fifo by position', () => {
  it('drops from the head, reads and inserts by position, across compactions', () => {
    // Prepare
    const fifo = new Fifo<number>();
    const expected: number[] = [];
    // Act: a queue kept sorted, drained 15 per 20 pushed from the head (so it compacts), with items put back
    // at their place
    for (let i = 0; i < 3000; i++) {
      fifo.push(i * 2);
      expected.push(i * 2);
      if (i % 20 === 19) {
        fifo.drop(15);
        expected.splice(0, 15);
        const back = (fifo.at(3) as number) + 1;
        fifo.insert(4, back);
        expected.splice(4, 0, back);
      }
    }
    // Assess
    expect([...fifo]).toEqual(expected);
    expect(fifo.size).toBe(expected.length);
    expect(fifo.at(0)).toBe(expected[0]);
    expect(fifo.at(fifo.size)).toBeUndefined();
  });

  it('drop() stops at the end; insert() clamps its position; removeWhere() keeps order; clear() empties', () => {
    // Prepare
    const fifo = new Fifo<string>();
    for (const s of ['a', 'b', 'c', 'd', 'e']) fifo.push(s);
    // Act
    fifo.drop(1);
    fifo.insert(-5, 'head');
    fifo.insert(99, 'tail');
    const removed = fifo.removeWhere((s) => s === 'c' || s === 'tail');
    // Assess
    expect(removed).toEqual(['c', 'tail']);
    expect([...fifo]).toEqual(['head', 'b', 'd', 'e']);
    fifo.drop(10);
    expect(fifo.size).toBe(0);
    expect(fifo.shift()).toBeUndefined();
    fifo.push('x');
    fifo.clear();
    expect(fifo.size).toBe(0);
    expect([...fifo]).toEqual([]);
  });
});
