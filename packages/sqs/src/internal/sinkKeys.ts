import type { MessageAttribute, OutgoingMessage } from '@tributary/stream';
import { compileTemplate } from '@tributary/stream';
import { contentHash, uniqueId } from './sinkEntry.js';

type KeyFunction<T> = (message: OutgoingMessage<T>) => string;
type DeduplicationSpec<T> = 'none' | 'unique' | 'content' | { template: string } | KeyFunction<T>;
type AttributeSpec = { type: 'String' | 'Number' | 'Binary'; value: string };

/** A constant or `${msg:path}` template (compiled once) or a function, as a function of the message. */
export function keyFunction<T>(spec: string | KeyFunction<T> | undefined): KeyFunction<T> | undefined {
  if (spec === undefined || typeof spec === 'function') return spec;
  if (!spec.includes('${')) return () => spec;
  const template = compileTemplate(spec);
  return (message) => template(message);
}

/** The deduplication id of a message: none, a fresh UUID, the body's SHA-256, a template or a function. */
export function deduplicationFunction<T>(
  spec: DeduplicationSpec<T> | undefined,
): ((message: OutgoingMessage<T>, body: string) => string) | undefined {
  if (spec === undefined || spec === 'none') return undefined;
  if (spec === 'unique') return uniqueId;
  if (spec === 'content') return (_message, body) => contentHash(body);
  if (typeof spec === 'function') return (message) => spec(message);
  const key = keyFunction<T>(spec.template);
  return key;
}

/** Attributes added to every message, each a constant or a template; Binary values are base64 text. */
export function attributesFunction<T>(
  spec: Readonly<Record<string, AttributeSpec>> | undefined,
): ((message: OutgoingMessage<T>) => Record<string, MessageAttribute>) | undefined {
  if (spec === undefined) return undefined;
  const compiled = Object.entries(spec).map(([name, { type, value }]) => {
    const text = keyFunction<T>(value) as KeyFunction<T>;
    return { name, type, text };
  });
  if (compiled.length === 0) return undefined;
  return (message) => {
    const out: Record<string, MessageAttribute> = {};
    for (const { name, type, text } of compiled) {
      const value = text(message);
      out[name] = type === 'Binary' ? { type, value: Buffer.from(value, 'base64') } : { type, value };
    }
    return out;
  };
}
