const REDACTED = '[redacted]';
/** Shortest value scrubbed by {@link redactSecrets}: shorter ones would mangle ordinary text. */
const MIN_REDACTED_LENGTH = 4;
/** Every secret value created in this process, so text from outside (SDK errors) can be scrubbed. */
const knownValues = new Set<string>();

/**
 * A secret value that prints as `[redacted]` in every form: `String()`, template literals,
 * `JSON.stringify`, `util.inspect` and error messages. Only {@link Secret.reveal} hands it out.
 * @example
 * ```ts
 * const key = new Secret('wJalrXUtnFEMI'); `${key}` === '[redacted]'; key.reveal() === 'wJalrXUtnFEMI';
 * ```
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    if (value.length >= MIN_REDACTED_LENGTH) knownValues.add(value);
    Object.freeze(this);
  }
  /** The plain value, for the SDK only. */
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return REDACTED;
  }
  toJSON(): string {
    return REDACTED;
  }
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${REDACTED})`;
  }
}

/** True for a {@link Secret}, also across duplicated installs. */
export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}

/**
 * Replaces every known {@link Secret} value (4 characters or more) in a text with `[redacted]`.
 * Used on messages that come from outside (SDK errors, file system errors) before they reach
 * an error, a hint or a log line.
 * @example
 * ```ts
 * new Secret('wJalrXUtnFEMI'); redactSecrets('bad key wJalrXUtnFEMI') === 'bad key [redacted]';
 * ```
 */
export function redactSecrets(text: string): string {
  let result = text;
  for (const value of knownValues) {
    if (result.includes(value)) result = result.replaceAll(value, REDACTED);
  }
  return result;
}
