// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${msg:path} runtime templates are what these tests pass
import {
  compileMessageAttributes,
  encodeMessageAttributes,
  type MessageAttribute,
  messageAttributesOption,
} from '@tributary/stream';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

/** A text rule like a service's: refuses empty text and the character '!'. */
function checkText(text: string, what: string): void {
  if (text.length === 0) throw new RangeError(`${what} is empty`);
  if (text.includes('!')) throw new RangeError(`${what} contains "!"`);
}
const rules = { service: 'SQS', checkText };

describe('encodeMessageAttributes', () => {
  it('sizes attributes as name, data type and value bytes, UTF-8 for text and raw for Binary', () => {
    // Act
    const encoded = encodeMessageAttributes(
      { body: 'x', attributes: { tenant: 'ünï', priority: 3, blob: new Uint8Array([1, 2, 3, 4]) } },
      rules,
    );
    // Assess
    const tenant = 'tenant'.length + 'String'.length + 5; // ü and ï are 2 bytes each
    const priority = 'priority'.length + 'Number'.length + 1;
    const blob = 'blob'.length + 'Binary'.length + 4;
    expect(encoded.size).toBe(tenant + priority + blob);
    expect(encoded.values).toEqual({
      tenant: { DataType: 'String', StringValue: 'ünï' },
      priority: { DataType: 'Number', StringValue: '3' },
      blob: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3, 4]) },
    });
  });

  it('has no values and no size for a message without attributes', () => {
    // Act
    const none = encodeMessageAttributes({ body: 'x' }, rules);
    const empty = encodeMessageAttributes({ body: 'x', attributes: {} }, rules);
    // Assess
    expect(none).toEqual({ values: undefined, size: 0 });
    expect(empty).toEqual({ values: undefined, size: 0 });
  });

  it("adds the defaults, letting the message's own attribute of the same name win", () => {
    // Prepare
    const defaults = vi.fn(
      (): Record<string, MessageAttribute> => ({
        tenant: { type: 'String', value: 'default' },
        version: { type: 'Number', value: '2' },
      }),
    );
    const message = { body: 'x', attributes: { version: 3 } };
    // Act
    const encoded = encodeMessageAttributes(message, { ...rules, defaults });
    // Assess
    expect(defaults).toHaveBeenCalledWith(message);
    expect(encoded.values).toEqual({
      tenant: { DataType: 'String', StringValue: 'default' },
      version: { DataType: 'Number', StringValue: '3' },
    });
  });

  it('accepts 10 attributes and refuses 11, naming the service', () => {
    // Prepare
    const attributes = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, 'v']));
    // Act
    const ten = () => encodeMessageAttributes({ body: 'x', attributes: attributes(10) }, rules);
    const eleven = () => encodeMessageAttributes({ body: 'x', attributes: attributes(11) }, rules);
    // Assess
    expect(ten).not.toThrow();
    expect(eleven).toThrow('a message has at most 10 attributes (SQS limit)');
  });

  it.each([
    ['a reserved AWS. prefix', 'AWS.trace'],
    ['a reserved amazon. prefix in any case', 'amazon.x'],
    ['a leading period', '.a'],
    ['a trailing period', 'a.'],
    ['a double period', 'a..b'],
    ['a space', 'a b'],
    ['257 characters', 'a'.repeat(257)],
  ])('refuses an attribute name with %s', (_what, name) => {
    // Act
    const act = () => encodeMessageAttributes({ body: 'x', attributes: { [name]: 'v' } }, rules);
    // Assess
    expect(act).toThrow(`attribute name "${name}" is not allowed`);
  });

  it('accepts a name of 256 letters, digits, _, - and inner periods', () => {
    // Prepare
    const name = `A-z_0.${'b'.repeat(250)}`;
    // Act
    const encoded = encodeMessageAttributes({ body: 'x', attributes: { [name]: 'v' } }, rules);
    // Assess
    expect(name).toHaveLength(256);
    expect(encoded.size).toBe(256 + 6 + 1);
  });

  it.each([
    ['an empty Binary value', { a: new Uint8Array(0) }, 'attribute "a" has an empty value'],
    [
      'a Number that is not a number',
      { a: { type: 'Number', value: 'abc' } as const },
      'attribute "a" has type Number but its value is not a number',
    ],
    ['an empty String, by the service rule', { a: '' }, 'attribute "a" is empty'],
    ['a character the service refuses', { a: 'hi!' }, 'attribute "a" contains "!"'],
  ])('refuses %s', (_what, attributes, message) => {
    // Act
    const act = () => encodeMessageAttributes({ body: 'x', attributes }, rules);
    // Assess
    expect(act).toThrow(message);
  });
});

describe('compileMessageAttributes', () => {
  it('computes constants and templates per message and decodes Binary from base64', () => {
    // Prepare
    const defaults = compileMessageAttributes<{ tenant: string }>({
      tenant: { type: 'String', value: '${msg:tenant}' },
      version: { type: 'Number', value: '2' },
      raw: { type: 'Binary', value: 'AQID' },
    });
    // Act
    const first = defaults?.({ body: { tenant: 'acme' } });
    const second = defaults?.({ body: { tenant: 'other' } });
    // Assess
    expect(first).toEqual({
      tenant: { type: 'String', value: 'acme' },
      version: { type: 'Number', value: '2' },
      raw: { type: 'Binary', value: Buffer.from([1, 2, 3]) },
    });
    expect(second?.tenant).toEqual({ type: 'String', value: 'other' });
    expect(second).not.toBe(first);
  });

  it('returns undefined when there is nothing to add', () => {
    // Act / Assess
    expect(compileMessageAttributes(undefined)).toBeUndefined();
    expect(compileMessageAttributes({})).toBeUndefined();
  });

  it('refuses a malformed template when compiling', () => {
    // Act
    const act = () => compileMessageAttributes({ a: { type: 'String', value: '${msg:' } });
    // Assess
    expect(act).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('messageAttributesOption', () => {
  it('takes typed constants or templates and describes the data type with the service name', () => {
    // Prepare
    const schema = z.strictObject({ attributes: messageAttributesOption('SNS') });
    // Act
    const parsed = schema.safeParse({ attributes: { a: { type: 'Number', value: '1' } } });
    const badType = schema.safeParse({ attributes: { a: { type: 'Float', value: '1' } } });
    const empty = schema.safeParse({ attributes: { a: { type: 'String', value: '' } } });
    const json = JSON.stringify(z.toJSONSchema(schema, { io: 'input' }));
    // Assess
    expect(parsed.success).toBe(true);
    expect(badType.success).toBe(false);
    expect(empty.success).toBe(false);
    expect(json).toContain('SNS data type');
  });
});
