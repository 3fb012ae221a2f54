/** Bytes of a body as Kinesis stores them: bytes as is, strings as UTF-8, anything else as JSON (UTF-8). */
export function encodeBody(body: unknown): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError(`a body of type ${typeof body} cannot be encoded as JSON`);
  return Buffer.from(json, 'utf8');
}

/** UTF-8 length of a string, in bytes. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
