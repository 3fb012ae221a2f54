/** UTF-8 length of a string, in bytes. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** A body as EventBridge `Detail` text: strings as they are, bytes as UTF-8 text, anything else as JSON. */
export function detailText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError(`a detail of type ${typeof value} cannot be encoded as JSON`);
  return json;
}
