import type { Message as SqsMessage } from '@aws-sdk/client-sqs';

/** A source of uniform numbers in `[0, 1)`, such as `Math.random` or {@link seededRandom}. */
export type Random = () => number;

/**
 * mulberry32: a small, fast 32-bit PRNG. Not for cryptography; enough to make test data and fault sequences
 * reproducible from a seed, so that a failing run can be replayed.
 *
 * @example
 * ```ts
 * const random = seededRandom(42);
 * const text = randomText(100, { random }); // the same 100 bytes on every run
 * ```
 */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A uniform integer in `[min, max)`.
 *
 * @example
 * ```ts
 * const tagBytes = randomBelow(24, 1); // 1..23
 * ```
 */
export function randomBelow(max: number, min = 0, random: Random = Math.random): number {
  return min + Math.floor(random() * (max - min));
}

/**
 * Characters by UTF-8 width (index 0: 1 byte, ..., index 3: 4 bytes), all valid message text for SQS, SNS,
 * Kinesis and EventBridge: JSON's special characters, tab and line breaks, U+FFFD and U+10FFFF included.
 */
export const TEXT_CHARS_BY_WIDTH: readonly (readonly string[])[] = [
  ['a', 'Z', '7', ' ', '{', '"', '\t', '\n', '\r', '~'],
  ['é', 'ß', 'ü', 'Ω', 'ж'],
  ['€', '中', 'あ', '한', '\uFFFD'],
  ['😀', '𝄞', '🌍', '\u{10FFFF}'],
];

/** Options of {@link randomText}. */
export interface RandomTextOptions {
  /** Widest character used, in UTF-8 bytes (1..4, default 4): 3 where an emulator refuses 4-byte characters. */
  maxCharBytes?: number;
  /** Default `Math.random`; a {@link seededRandom} makes the text reproducible. */
  random?: Random;
}

/**
 * A random string of exactly `bytes` UTF-8 bytes, with characters of every width up to `maxCharBytes`
 * (each character's width drawn uniformly among those that still fit).
 *
 * @example
 * ```ts
 * const body = randomText(1024, { maxCharBytes: 3 });
 * Buffer.byteLength(body); // 1024
 * ```
 */
export function randomText(bytes: number, options: RandomTextOptions = {}): string {
  const { maxCharBytes = 4, random = Math.random } = options;
  const parts: string[] = [];
  let left = bytes;
  while (left > 0) {
    const width = randomBelow(Math.min(maxCharBytes, left) + 1, 1, random);
    const pool = TEXT_CHARS_BY_WIDTH[width - 1] as readonly string[];
    parts.push(pool[randomBelow(pool.length, 0, random)] as string);
    left -= width;
  }
  return parts.join('');
}

/**
 * A test message for SQS and SNS: a body and the message attributes `seq` (Number), `tag` (String) and, where
 * the backend carries them, `bin` (Binary).
 */
export interface RandomMessage {
  seq: number;
  body: string;
  tag: string;
  bin: Buffer | undefined;
}

/** Options of {@link randomMessages}. */
export interface RandomMessagesOptions {
  /** The message size limit (body + attributes) that the largest messages reach. */
  limit: number;
  /** Upper bound of the ~2.5 % medium messages (from 1 KiB), in bytes. */
  mediumMaxBytes: number;
  /** Give each message a Binary attribute `bin` of 1..16 bytes (default true). */
  binary?: boolean;
  /** How the service counts a Binary value against the limit (default: its bytes). */
  binaryBytes?: (bin: Uint8Array) => number;
  /** Passed to {@link randomText} for bodies and tags. */
  maxCharBytes?: number;
  /** Default `Math.random`. */
  random?: Random;
}

/** Attribute bytes as SQS and SNS count them: name + data type + value, UTF-8 each. */
export function messageAttributeBytes(
  message: Omit<RandomMessage, 'body'>,
  binaryBytes: (bin: Uint8Array) => number = (bin) => bin.length,
): number {
  return (
    'seq'.length +
    'Number'.length +
    String(message.seq).length +
    'tag'.length +
    'String'.length +
    Buffer.byteLength(message.tag) +
    (message.bin === undefined ? 0 : 'bin'.length + 'Binary'.length + binaryBytes(message.bin))
  );
}

/**
 * `count` messages of random size and content, mostly small on purpose (10,000 near a 1 MiB limit would be
 * ~5 GB): ~97 % are 1 B..1 KiB, ~2.5 % 1 KiB..`mediumMaxBytes`, 0.5 % within 4 KiB of the limit, and message
 * 7 exactly at it (body + attributes = limit).
 *
 * @example
 * ```ts
 * const messages = randomMessages(10_000, { limit: 262_144, mediumMaxBytes: 32 * 1024 });
 * await Promise.all(messages.map((m) => sink.write({ body: m.body, attributes: messageAttributes(m) })));
 * ```
 */
export function randomMessages(count: number, options: RandomMessagesOptions): RandomMessage[] {
  const { limit, mediumMaxBytes, binary = true, binaryBytes, maxCharBytes, random = Math.random } = options;
  const text = (bytes: number): string => randomText(bytes, { maxCharBytes, random });
  const out: RandomMessage[] = [];
  for (let seq = 0; seq < count; seq += 1) {
    const bin = binary
      ? Buffer.from(Array.from({ length: randomBelow(17, 1, random) }, () => randomBelow(256, 0, random)))
      : undefined;
    const meta = { seq, tag: text(randomBelow(24, 1, random)), bin };
    const room = limit - messageAttributeBytes(meta, binaryBytes);
    const roll = randomBelow(1000, 0, random);
    let size: number;
    if (seq === 7) size = room;
    else if (roll < 5) size = room - randomBelow(4096, 0, random);
    else if (roll < 30) size = randomBelow(mediumMaxBytes + 1, 1024, random);
    else size = randomBelow(1025, 1, random);
    out.push({ ...meta, body: text(size) });
  }
  return out;
}

/** A {@link RandomMessage}'s attributes as a sink's `write({ attributes })` takes them. */
export function messageAttributes(message: RandomMessage): Record<string, string | number | Uint8Array> {
  const { seq, tag, bin } = message;
  return bin === undefined ? { seq, tag } : { seq, tag, bin };
}

/**
 * What differs between the messages sent and those an SQS queue received (matched by the `seq` attribute):
 * a missing or repeated message, a different body, a missing or different attribute, an extra attribute.
 * Empty when each arrived exactly once, intact.
 */
export function deliveryProblems(sent: readonly RandomMessage[], received: readonly SqsMessage[]): string[] {
  const bySeq = new Map<number, SqsMessage[]>();
  for (const message of received) {
    const seq = Number(message.MessageAttributes?.seq?.StringValue);
    bySeq.set(seq, [...(bySeq.get(seq) ?? []), message]);
  }
  const problems: string[] = [];
  for (const s of sent) {
    const copies = bySeq.get(s.seq) ?? [];
    const [m] = copies;
    if (copies.length !== 1 || m === undefined) {
      problems.push(`seq ${s.seq}: ${copies.length} copies`);
      continue;
    }
    if (m.Body !== s.body) problems.push(`seq ${s.seq}: body differs`);
    const a = m.MessageAttributes ?? {};
    if (a.tag?.DataType !== 'String' || a.tag.StringValue !== s.tag)
      problems.push(`seq ${s.seq}: tag differs`);
    if (a.seq?.DataType !== 'Number') problems.push(`seq ${s.seq}: seq type differs`);
    if (
      s.bin !== undefined &&
      (a.bin?.DataType !== 'Binary' || !Buffer.from(a.bin.BinaryValue ?? []).equals(s.bin))
    ) {
      problems.push(`seq ${s.seq}: bin differs`);
    }
    const expectedCount = s.bin === undefined ? 2 : 3;
    if (Object.keys(a).length !== expectedCount)
      problems.push(`seq ${s.seq}: ${Object.keys(a).length} attributes`);
  }
  return problems;
}
