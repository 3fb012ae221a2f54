import type { z } from 'zod';
import { ConfigError } from './errors.js';

/** One validation problem: JSON pointer of the field and what is wrong with it. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** JSON pointer (`/sinks/2/maxBatchRecords`) of a zod issue path under a base pointer. */
export function jsonPointer(base: string, path: readonly PropertyKey[]): string {
  const tail = path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
  return `${base}${tail}` || '/';
}

function describeReceived(issue: z.core.$ZodIssue, input: unknown): string {
  let value: unknown = input;
  for (const key of issue.path) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<PropertyKey, unknown>)[key as PropertyKey];
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `, got ${value}`;
  if (typeof value === 'string') return `, got a string of ${value.length} characters`;
  if (value === undefined) return '';
  return `, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`;
}

/** Every problem of a failed parse, with JSON paths; string values are never echoed (they may be secrets). */
export function configIssues(error: z.ZodError, input: unknown, basePath = ''): ConfigIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    return {
      path: jsonPointer(basePath, issue.path),
      message: `${issue.message}${keys}${describeReceived(issue, input)}`,
    };
  });
}

/** A {@link ConfigError} listing every issue, one per line. */
export function configErrorFromIssues(what: string, issues: readonly ConfigIssue[]): ConfigError {
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join('\n');
  return new ConfigError('CONFIG_INVALID', `Invalid ${what}:\n${lines}`, {
    details: { paths: issues.map((i) => i.path), issues: issues.map((i) => `${i.path}: ${i.message}`) },
    hint: 'fix the fields listed above',
  });
}

/**
 * Validates options against a zod schema and applies its defaults.
 * @throws {@link ConfigError} (`CONFIG_INVALID`) naming every invalid field with its JSON path.
 * @example
 * ```ts
 * const options = parseOptions(kinesisSinkOptions, input, { what: 'kinesisSink options', path: '/sinks/2' });
 * ```
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  { what = 'options', path = '' }: { what?: string; path?: string } = {},
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw configErrorFromIssues(what, configIssues(result.error, input, path));
}
