const REDACTED = '[redacted]';

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
