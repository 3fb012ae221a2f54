import { compileCondition, routingCondition } from '@tributary/engine';
import { describe, expect, it } from 'vitest';

describe('compileCondition', () => {
  const body = { kind: 'order', total: 120, tags: ['vip'], customer: { country: 'DE', name: 'Ada' } };

  it('evaluates predicates on body fields', () => {
    // Act + Assess
    expect(compileCondition({ field: 'kind', op: 'eq', value: 'order' })(body)).toBe(true);
    expect(compileCondition({ field: 'kind', op: 'ne', value: 'order' })(body)).toBe(false);
    expect(compileCondition({ field: 'total', op: 'gt', value: 100 })(body)).toBe(true);
    expect(compileCondition({ field: 'total', op: 'lte', value: 100 })(body)).toBe(false);
    expect(compileCondition({ field: 'customer.country', op: 'in', value: ['DE', 'FR'] })(body)).toBe(true);
    expect(compileCondition({ field: 'customer.country', op: 'notIn', value: ['DE'] })(body)).toBe(false);
    expect(compileCondition({ field: 'customer.name', op: 'matches', value: '^A' })(body)).toBe(true);
    expect(compileCondition({ field: 'tags', op: 'contains', value: 'vip' })(body)).toBe(true);
    expect(compileCondition({ field: 'customer.zip', op: 'missing' })(body)).toBe(true);
    expect(compileCondition({ field: 'customer', op: 'exists' })(body)).toBe(true);
  });

  it('treats a missing field or another type as not matching, never an error', () => {
    // Act + Assess
    expect(compileCondition({ field: 'nope.deeper', op: 'gt', value: 1 })(body)).toBe(false);
    expect(compileCondition({ field: 'kind', op: 'gt', value: 1 })(body)).toBe(false);
    expect(compileCondition({ field: 'kind', op: 'eq', value: 'order' })('not an object')).toBe(false);
  });

  it('combines conditions with all / atLeastOne / none', () => {
    // Prepare
    const big = { field: 'total', op: 'gte', value: 100 } as const;
    const fr = { field: 'customer.country', op: 'eq', value: 'FR' } as const;
    // Act + Assess
    expect(compileCondition({ all: [big, fr] })(body)).toBe(false);
    expect(compileCondition({ atLeastOne: [big, fr] })(body)).toBe(true);
    expect(compileCondition({ none: [fr] })(body)).toBe(true);
    expect(compileCondition({ none: [big, fr] })(body)).toBe(false);
    expect(compileCondition({ all: [{ atLeastOne: [fr, big] }, { none: [fr] }] })(body)).toBe(true);
  });
});

describe('routingCondition', () => {
  it('accepts nested groups and rejects a condition that is both a group and a predicate', () => {
    // Act
    const nested = routingCondition.safeParse({ all: [{ none: [{ field: 'a', op: 'exists' }] }] });
    const both = routingCondition.safeParse({
      all: [{ field: 'a', op: 'exists' }],
      field: 'b',
      op: 'exists',
    });
    const valueless = routingCondition.safeParse({ field: 'a', op: 'gt' });
    // Assess
    expect(nested.success).toBe(true);
    expect(both.success).toBe(false);
    expect(valueless.error?.issues[0]?.path).toEqual(['value']);
  });
});
