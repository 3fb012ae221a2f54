import { randomUUID } from 'node:crypto';
import { ConfigError, TributaryError } from '@tributary/connection';
import type { OutgoingMessage } from './message.js';

/** What a compiled template may use besides the message. */
export interface TemplateContext {
  /** Value of `${seq}` (an object or batch sequence number the sink keeps). */
  seq?: number;
  /** Time for `${date:...}`; default: now. */
  now?: Date;
}

/** A compiled runtime template. */
export type Template = (message: OutgoingMessage<unknown>, ctx?: TemplateContext) => string;

type Part = (message: OutgoingMessage<unknown>, ctx: TemplateContext) => string;

/**
 * Reads a dot path (`order.items.0.sku`) from a value; array elements by index. `undefined` when any step
 * is missing; an empty path returns the value itself.
 * @example
 * ```ts
 * getPath({ order: { items: [{ sku: 'a' }] } }, 'order.items.0.sku'); // 'a'
 * ```
 */
export function getPath(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current: unknown = value;
  for (const step of path.split('.')) {
    if (current === null || current === undefined) return undefined;
    if (Array.isArray(current)) {
      if (!/^\d+$/.test(step)) return undefined;
      current = current[Number(step)];
    } else if (typeof current === 'object') {
      if (!Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return current;
}

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const DATE_TOKENS: Record<string, (d: Date) => string> = {
  yyyy: (d) => pad(d.getUTCFullYear(), 4),
  MM: (d) => pad(d.getUTCMonth() + 1, 2),
  dd: (d) => pad(d.getUTCDate(), 2),
  HH: (d) => pad(d.getUTCHours(), 2),
  mm: (d) => pad(d.getUTCMinutes(), 2),
  ss: (d) => pad(d.getUTCSeconds(), 2),
  SSS: (d) => pad(d.getUTCMilliseconds(), 3),
};

function compileDate(format: string): (d: Date) => string {
  const parts: ((d: Date) => string)[] = [];
  for (const piece of format.split(/(yyyy|MM|dd|HH|mm|ss|SSS)/)) {
    if (piece === '') continue;
    const token = DATE_TOKENS[piece];
    parts.push(token ?? (() => piece));
  }
  return (d) => parts.map((p) => p(d)).join('');
}

function stringify(value: unknown, path: string, template: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) {
    throw new TributaryError(
      'CONFIG_INVALID',
      `Template "${template}": message body has no value at "${path}"`,
      { details: { path, template }, hint: `check that every message body has the field "${path}"` },
    );
  }
  return JSON.stringify(value);
}

function compileExpression(expression: string, template: string): Part {
  const colon = expression.indexOf(':');
  const prefix = colon === -1 ? expression : expression.slice(0, colon);
  const argument = colon === -1 ? undefined : expression.slice(colon + 1);
  const fail = (why: string): ConfigError =>
    new ConfigError('CONFIG_INVALID', `Template "${template}": ${why}`, {
      details: { template, expression },
      hint: `use \${msg:path.in.body}, \${date:yyyy/MM/dd}, \${uuid}, \${seq}, or $\${ for a literal \${`,
    });
  switch (prefix) {
    case 'msg': {
      if (!argument) throw fail(`\${msg:...} needs a path into the body, e.g. \${msg:order.id}`);
      if (argument.split('.').some((s) => s === '')) throw fail(`"${argument}" is not a valid dot path`);
      return (message) => stringify(getPath(message.body, argument), argument, template);
    }
    case 'date': {
      if (!argument) throw fail(`\${date:...} needs a format, e.g. \${date:yyyy/MM/dd}`);
      const format = compileDate(argument);
      return (_message, ctx) => format(ctx.now ?? new Date());
    }
    case 'uuid':
      if (argument !== undefined) throw fail(`\${uuid} takes no argument`);
      return () => randomUUID();
    case 'seq':
      if (argument !== undefined) throw fail(`\${seq} takes no argument`);
      return (_message, ctx) => {
        if (ctx.seq === undefined) {
          throw new TributaryError(
            'CONFIG_INVALID',
            `Template "${template}": \${seq} used where no sequence is given`,
            {
              details: { template },
            },
          );
        }
        return String(ctx.seq);
      };
    default:
      throw fail(`unknown expression "\${${expression}}"`);
  }
}

/**
 * Compiles a runtime template for group ids, partition keys and S3 keys: `${msg:path.in.body}` (dot path,
 * arrays by index), `${date:yyyy/MM/dd}` (tokens yyyy MM dd HH mm ss SSS, UTC), `${uuid}`, `${seq}`, and
 * `$${` for a literal `${`. Any other `$` is literal.
 * @example
 * ```ts
 * const key = compileTemplate('orders/${date:yyyy/MM/dd}/${msg:customer.id}-${seq}.json');
 * key({ body: { customer: { id: 'c1' } } }, { seq: 3 }); // 'orders/2025/01/31/c1-3.json'
 * ```
 * @throws {@link ConfigError} (`CONFIG_INVALID`) at compile time for an unknown or unterminated expression;
 * the compiled function throws a `CONFIG_INVALID` {@link TributaryError} naming the path when a body lacks it.
 */
export function compileTemplate(template: string): Template {
  const parts: Part[] = [];
  let literal = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i)) {
      literal += '${';
      i += 3;
    } else if (template.startsWith('${', i)) {
      const end = template.indexOf('}', i + 2);
      if (end === -1) {
        throw new ConfigError(
          'CONFIG_INVALID',
          `Template "${template}": unterminated "\${" at position ${i}`,
          {
            details: { template },
            hint: 'close the expression with "}" or write $${ for a literal ${',
          },
        );
      }
      if (literal) {
        const text = literal;
        parts.push(() => text);
        literal = '';
      }
      parts.push(compileExpression(template.slice(i + 2, end), template));
      i = end + 1;
    } else {
      literal += template[i];
      i += 1;
    }
  }
  if (literal) {
    const text = literal;
    parts.push(() => text);
  }
  return (message, ctx = {}) => parts.map((part) => part(message, ctx)).join('');
}
