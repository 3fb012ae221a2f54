import { getPath } from '@tributary/stream';
import { z } from 'zod';

/** Comparison operators of a routing predicate. */
export const CONDITION_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'notIn',
  'exists',
  'missing',
  'matches',
  'startsWith',
  'endsWith',
  'contains',
] as const;
/** See {@link CONDITION_OPERATORS}. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

const jsonScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

function validRegex(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** A routing condition, as it is written in JSON. */
export interface Condition {
  /** Every sub-condition holds. */
  all?: Condition[];
  /** At least one sub-condition holds. */
  atLeastOne?: Condition[];
  /** No sub-condition holds. */
  none?: Condition[];
  /** Dot path of a body field (`order.total`, `items.0.sku`). */
  field?: string;
  op?: ConditionOperator;
  value?: string | number | boolean | null | (string | number | boolean | null)[];
}

/**
 * A routing condition: a group (`all`, `atLeastOne` or `none` of sub-conditions, the seed's
 * "all / at least one / none") or a predicate on a body field (`{ field, op, value }`).
 * @example
 * ```ts
 * const when = parseOptions(routingCondition, { all: [{ field: 'kind', op: 'eq', value: 'alert' }, { field: 'level', op: 'gte', value: 3 }] });
 * ```
 */
export const routingCondition: z.ZodType<Condition> = z
  .strictObject({
    get all() {
      return z
        .array(routingCondition)
        .min(1)
        .max(100)
        .optional()
        .describe('Holds when every sub-condition holds');
    },
    get atLeastOne() {
      return z
        .array(routingCondition)
        .min(1)
        .max(100)
        .optional()
        .describe('Holds when at least one sub-condition holds');
    },
    get none() {
      return z
        .array(routingCondition)
        .min(1)
        .max(100)
        .optional()
        .describe('Holds when no sub-condition holds');
    },
    field: z
      .string()
      .min(1)
      .max(512)
      .optional()
      .describe('Dot path of a body field: `order.total`, `items.0.sku`'),
    op: z.enum(CONDITION_OPERATORS).optional().describe('Comparison of the field with `value`'),
    value: z
      .union([jsonScalar, z.array(jsonScalar).max(10_000)])
      .optional()
      .describe('Compared value; an array for `in` / `notIn`; absent for `exists` / `missing`'),
  })
  .superRefine((c, ctx) => {
    const groups = ['all', 'atLeastOne', 'none'].filter((k) => c[k as keyof Condition] !== undefined);
    const predicate = c.field !== undefined || c.op !== undefined || c.value !== undefined;
    if (groups.length + (predicate ? 1 : 0) !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'a condition is exactly one of { all }, { atLeastOne }, { none } or a predicate { field, op, value }',
      });
      return;
    }
    if (!predicate) return;
    if (c.field === undefined)
      ctx.addIssue({ code: 'custom', path: ['field'], message: 'required in a predicate' });
    if (c.op === undefined) {
      ctx.addIssue({ code: 'custom', path: ['op'], message: 'required in a predicate' });
      return;
    }
    const needsValue = c.op !== 'exists' && c.op !== 'missing';
    if (needsValue && c.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `required for op "${c.op}"` });
    } else if (!needsValue && c.value !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `not allowed for op "${c.op}"` });
    } else if ((c.op === 'in' || c.op === 'notIn') !== Array.isArray(c.value) && needsValue) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message:
          c.op === 'in' || c.op === 'notIn'
            ? `must be an array for op "${c.op}"`
            : `must not be an array for op "${c.op}"`,
      });
    } else if (
      ['gt', 'gte', 'lt', 'lte'].includes(c.op) &&
      typeof c.value !== 'number' &&
      typeof c.value !== 'string'
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `must be a number or a string for op "${c.op}"`,
      });
    } else if (
      ['matches', 'startsWith', 'endsWith', 'contains'].includes(c.op) &&
      typeof c.value !== 'string'
    ) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `must be a string for op "${c.op}"` });
    } else if (c.op === 'matches' && typeof c.value === 'string' && !validRegex(c.value)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: 'must be a valid JavaScript regular expression',
      });
    }
  })
  .describe('Routing condition: { all | atLeastOne | none: [conditions] } or { field, op, value }');

/** A condition compiled to a function of the body. */
export type CompiledCondition = (body: unknown) => boolean;

function compare(a: unknown, b: unknown): number | undefined {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

function compilePredicate(
  field: string,
  op: ConditionOperator,
  value: Condition['value'],
): CompiledCondition {
  const read = (body: unknown) => getPath(body, field);
  switch (op) {
    case 'eq':
      return (body) => read(body) === value;
    case 'ne':
      return (body) => read(body) !== value;
    case 'gt':
      return (body) => (compare(read(body), value) ?? Number.NaN) > 0;
    case 'gte':
      return (body) => (compare(read(body), value) ?? Number.NaN) >= 0;
    case 'lt':
      return (body) => (compare(read(body), value) ?? Number.NaN) < 0;
    case 'lte':
      return (body) => (compare(read(body), value) ?? Number.NaN) <= 0;
    case 'in': {
      const set = new Set(Array.isArray(value) ? value : [value]);
      return (body) => set.has(read(body) as never);
    }
    case 'notIn': {
      const set = new Set(Array.isArray(value) ? value : [value]);
      return (body) => !set.has(read(body) as never);
    }
    case 'exists':
      return (body) => read(body) !== undefined;
    case 'missing':
      return (body) => read(body) === undefined;
    case 'matches': {
      const regex = new RegExp(String(value));
      return (body) => {
        const v = read(body);
        return typeof v === 'string' && regex.test(v);
      };
    }
    case 'startsWith':
      return (body) => {
        const v = read(body);
        return typeof v === 'string' && v.startsWith(String(value));
      };
    case 'endsWith':
      return (body) => {
        const v = read(body);
        return typeof v === 'string' && v.endsWith(String(value));
      };
    case 'contains':
      return (body) => {
        const v = read(body);
        return (typeof v === 'string' || Array.isArray(v)) && v.includes(value as never);
      };
  }
}

/**
 * Compiles a validated {@link Condition} into a function of the message body. A field that is missing
 * or of another type makes comparisons false (never an error).
 * @example
 * ```ts
 * const isAlert = compileCondition({ atLeastOne: [{ field: 'level', op: 'gte', value: 4 }, { field: 'kind', op: 'eq', value: 'alert' }] });
 * isAlert({ kind: 'alert', level: 1 }); // true
 * ```
 */
export function compileCondition(condition: Condition): CompiledCondition {
  if (condition.all !== undefined) {
    const parts = condition.all.map(compileCondition);
    return (body) => parts.every((p) => p(body));
  }
  if (condition.atLeastOne !== undefined) {
    const parts = condition.atLeastOne.map(compileCondition);
    return (body) => parts.some((p) => p(body));
  }
  if (condition.none !== undefined) {
    const parts = condition.none.map(compileCondition);
    return (body) => !parts.some((p) => p(body));
  }
  if (condition.field === undefined || condition.op === undefined) {
    throw new TypeError(
      'compileCondition: a predicate needs field and op (validate with routingCondition first)',
    );
  }
  return compilePredicate(condition.field, condition.op, condition.value);
}
