import { describe, expect, it } from 'vitest';
import { detectCodec, lineBatches } from '../../src/internal/records.js';

async function lines(chunks: Buffer[], max = 1024): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of lineBatches(
    (async function* () {
      yield* chunks;
    })(),
    max,
  ))
    out.push(...batch);
  return out;
}

describe('lineBatches', () => {
  it('splits across chunk boundaries, including a CR/LF pair and a multi-byte character', async () => {
    // Prepare
    const text = Buffer.from('\uFEFFalpha\r\nbé€ta\ngamma');
    const euro = text.indexOf(Buffer.from('€'));
    const chunks = [text.subarray(0, 9), text.subarray(9, euro + 1), text.subarray(euro + 1)];
    // Act
    const result = await lines(chunks);
    // Assess
    expect(result).toEqual(['alpha', 'bé€ta', 'gamma']);
  });

  it('keeps empty lines and drops nothing but the final newline', async () => {
    expect(await lines([Buffer.from('a\n\nb\n')])).toEqual(['a', '', 'b']);
    expect(await lines([Buffer.from('')])).toEqual([]);
  });

  it('fails on a line longer than the limit, also when it spans chunks', async () => {
    await expect(lines([Buffer.from('x'.repeat(20))], 10)).rejects.toMatchObject({ code: 'SOURCE_FAILED' });
    await expect(lines([Buffer.from('x'.repeat(6)), Buffer.from('x'.repeat(6))], 10)).rejects.toThrow(
      /larger than 10/,
    );
  });
});

describe('detectCodec', () => {
  it('prefers Content-Encoding, then the extension, unless a codec is set', () => {
    expect(detectCodec('auto', 'a.csv.gz', undefined)).toBe('gzip');
    expect(detectCodec('auto', 'a.csv', 'gzip')).toBe('gzip');
    expect(detectCodec('auto', 'a.zst', undefined)).toBe('zstd');
    expect(detectCodec('auto', 'a.br', undefined)).toBe('brotli');
    expect(detectCodec('auto', 'a.csv', undefined)).toBe('none');
    expect(detectCodec('none', 'a.gz', 'gzip')).toBe('none');
  });
});
