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
