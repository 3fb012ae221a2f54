import { pipeline, type Readable, type Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import * as zlib from 'node:zlib';
import { TributaryError } from '@tributary/connection';

/** A compression the source can undo. */
export type Codec = 'none' | 'gzip' | 'zstd' | 'brotli';

const EXTENSIONS: readonly [string, Codec][] = [
  ['.gz', 'gzip'],
  ['.gzip', 'gzip'],
  ['.zst', 'zstd'],
  ['.zstd', 'zstd'],
  ['.br', 'brotli'],
];

const ENCODINGS: Readonly<Record<string, Codec>> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  zstd: 'zstd',
  br: 'brotli',
};

/**
 * The codec of an object: an explicit setting wins; `auto` reads `Content-Encoding` first, then the key's
 * extension (`.gz`, `.zst`, `.br`).
 */
export function detectCodec(
  setting: Codec | 'auto',
  key: string,
  contentEncoding: string | undefined,
): Codec {
  if (setting !== 'auto') return setting;
  const encoding = contentEncoding?.trim().toLowerCase();
  if (encoding) {
    const codec = ENCODINGS[encoding];
    if (codec) return codec;
  }
  const lower = key.toLowerCase();
  for (const [extension, codec] of EXTENSIONS) if (lower.endsWith(extension)) return codec;
  return 'none';
}

function decompressor(codec: Exclude<Codec, 'none'>): Transform {
  switch (codec) {
    case 'gzip':
      return zlib.createGunzip();
    case 'brotli':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const create = (zlib as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      if (!create) {
        throw new TributaryError('SOURCE_FAILED', 'zstd is not supported by this Node.js version', {
          hint: 'use Node.js >= 22.15 for zstd, or store the objects gzip-compressed',
        });
      }
      return create();
    }
  }
}

/** The body, decompressed when a codec applies; errors of either stream surface on the returned one. */
export function decode(body: Readable, codec: Codec): Readable {
  if (codec === 'none') return body;
  const transform = decompressor(codec);
  pipeline(body, transform, () => {});
  return transform;
}

/** `RECORD_TOO_LARGE`-like failure of one object, as a SOURCE_FAILED error. */
export function recordTooLarge(what: string, limit: number): TributaryError {
  return new TributaryError('SOURCE_FAILED', `${what} is larger than ${limit} bytes`, {
    details: { limit, reason: 'RECORD_TOO_LARGE' },
    hint: 'raise maxRecordBytes / maxObjectBytes, or use mode "stream"',
  });
}

/**
 * Splits a byte stream into lines (LF or CRLF, a UTF-8 BOM dropped), yielding all complete lines of each
 * chunk at once so the caller needs no promise per line. A last line without a newline is yielded too.
 * Each chunk is decoded once (a multi-byte character split across chunks is kept whole).
 */
export async function* lineBatches(
  input: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let first = true;
  for await (const chunk of input) {
    let text = decoder.write(chunk);
    if (first && text.length > 0) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const lines: string[] = [];
    let start = 0;
    let newline = text.indexOf('\n');
    if (newline !== -1 && carry !== '') {
      text = carry + text;
      newline += carry.length;
      carry = '';
    }
    while (newline !== -1) {
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      if (end - start > maxLineBytes) throw recordTooLarge('A line', maxLineBytes);
      lines.push(text.slice(start, end));
      start = newline + 1;
      newline = text.indexOf('\n', start);
    }
    if (start < text.length) {
      carry = carry === '' ? text.slice(start) : carry + text.slice(start);
      if (carry.length > maxLineBytes) throw recordTooLarge('A line', maxLineBytes);
    }
    if (lines.length > 0) yield lines;
  }
  carry += decoder.end();
  if (first && carry.charCodeAt(0) === 0xfeff) carry = carry.slice(1);
  if (carry !== '') yield [carry.endsWith('\r') ? carry.slice(0, -1) : carry];
}

/** Reads a whole body into memory, failing once it passes `maxBytes`. */
export async function readAll(input: AsyncIterable<Buffer>, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    total += chunk.length;
    if (total > maxBytes) throw recordTooLarge('The object', maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}
