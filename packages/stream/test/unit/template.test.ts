// biome-ignore-all lint/suspicious/noTemplateCurlyInString: template text is what these tests are about
import { compileTemplate, getPath } from '@tributary/stream';
import { describe, expect, it } from 'vitest';

const now = new Date(Date.UTC(2025, 0, 31, 4, 5, 6, 7));

describe('compileTemplate', () => {
  it('returns plain text unchanged, a lone $ included', () => {
    // Act / Assess
    expect(compileTemplate('orders/$5/x')({ body: {} })).toBe('orders/$5/x');
    expect(compileTemplate('')({ body: {} })).toBe('');
  });

  it('reads dot paths from the body, arrays by index', () => {
    // Prepare
    const template = compileTemplate('${msg:customer.id}/${msg:items.1.sku}/${msg:count}/${msg:flag}');
    // Act
    const out = template({
      body: { customer: { id: 'c1' }, items: [{ sku: 'a' }, { sku: 'b' }], count: 3, flag: false },
    });
    // Assess
    expect(out).toBe('c1/b/3/false');
  });

  it('formats ${date:...} in UTC with every token', () => {
    // Act
    const out = compileTemplate('${date:yyyy/MM/dd HH:mm:ss.SSS}')({ body: {} }, { now });
    // Assess
    expect(out).toBe('2025/01/31 04:05:06.007');
  });

  it('fills ${seq} from the context and ${uuid} with a fresh UUID each call', () => {
    // Prepare
    const template = compileTemplate('part-${seq}-${uuid}');
    // Act
    const first = template({ body: {} }, { seq: 7 });
    const second = template({ body: {} }, { seq: 7 });
    // Assess
    expect(first).toMatch(/^part-7-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
  });

  it('turns $${ into a literal ${', () => {
    // Act / Assess
    expect(compileTemplate('$${msg:x} and ${msg:x}')({ body: { x: 'y' } })).toBe('${msg:x} and y');
  });

  it('throws a CONFIG_INVALID error naming the path when the body lacks it', () => {
    // Prepare
    const template = compileTemplate('${msg:customer.id}');
    // Act
    const act = () => template({ body: { customer: {} } });
    // Assess
    expect(act).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        details: expect.objectContaining({ path: 'customer.id' }),
      }),
    );
    expect(act).toThrow(/customer\.id/);
  });

  it('throws when ${seq} has no sequence in the context', () => {
    // Act / Assess
    expect(() => compileTemplate('${seq}')({ body: {} })).toThrow(/no sequence/);
  });

  it('rejects unknown, unterminated and malformed expressions at compile time with a ConfigError', () => {
    // Act / Assess
    for (const bad of ['${env:HOME}', '${oops', '${msg:}', '${msg:a..b}', '${date}', '${uuid:x}']) {
      expect(() => compileTemplate(bad), bad).toThrow(
        expect.objectContaining({ name: 'ConfigError', code: 'CONFIG_INVALID' }),
      );
    }
    expect(() => compileTemplate('${env:HOME}')).toThrow(/unknown expression "\$\{env:HOME\}"/);
  });
});

describe('getPath', () => {
  it('reads nested fields and array elements, undefined when missing', () => {
    // Prepare
    const body = { a: { b: [{ c: 1 }] }, s: 'text' };
    // Act / Assess
    expect(getPath(body, 'a.b.0.c')).toBe(1);
    expect(getPath(body, '')).toBe(body);
    expect(getPath(body, 'a.x')).toBeUndefined();
    expect(getPath(body, 'a.b.x')).toBeUndefined();
    expect(getPath(body, 's.length')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
    expect(getPath({}, 'toString')).toBeUndefined();
  });
});
