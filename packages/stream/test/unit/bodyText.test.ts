import { bodyText } from '@tributary/stream';
import { describe, expect, it } from 'vitest';

describe('bodyText', () => {
  it('sends a string as is and any other body as its JSON document', () => {
    // Act / Assess
    expect(bodyText('{"already":"json"}')).toBe('{"already":"json"}');
    expect(bodyText({ a: [1, 'ü'] })).toBe('{"a":[1,"ü"]}');
    expect(bodyText(42)).toBe('42');
    expect(bodyText(null)).toBe('null');
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
  ])('refuses %s, which has no JSON form', (_what, body) => {
    // Act
    const act = () => bodyText(body);
    // Assess
    expect(act).toThrow(/has no JSON form/);
  });
});
