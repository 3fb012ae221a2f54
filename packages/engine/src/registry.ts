import type { AwsConnection, Logger } from '@tributary/connection';
import { ConfigError } from '@tributary/connection';
import type { Message, Sink } from '@tributary/stream';
import type { Observable } from 'rxjs';
import type { z } from 'zod';

/** What a source or sink factory gets besides its options. */
export interface AssetContext {
  /** The asset's name. */
  name: string;
  /** The connection asset the source or sink references. */
  connection: AwsConnection;
  logger: Logger;
  /** Aborted when the workflow stops gracefully (sources should stop taking new work). */
  signal: AbortSignal;
}

/**
 * A source type: its `type` name, options schema, and factory. `options` are the asset's keys other than
 * `name`, `description`, `type`, `connection` and `requiredRoles`, after macro expansion.
 */
export interface SourceType {
  type: string;
  description: string;
  /** zod schema of the options a JSON asset carries (used to validate and for the JSON Schema). */
  options: z.ZodType;
  create(options: Record<string, unknown>, context: AssetContext): Observable<Message<unknown, unknown>>;
}

/** A sink type: its `type` name, options schema, and factory. See {@link SourceType}. */
export interface SinkType {
  type: string;
  description: string;
  options: z.ZodType;
  /**
   * When true, the asset's `name` is passed as the sink's `name` option (the name on receipts and logs).
   * Default false.
   */
  nameOption?: boolean;
  create(options: Record<string, unknown>, context: Omit<AssetContext, 'signal'>): Sink<unknown>;
}

const TYPE_NAME = /^[a-z][a-z0-9-]*(:[a-z0-9-]+)?$/;

function checkType(kind: string, type: string, existing: Map<string, unknown>): void {
  if (!TYPE_NAME.test(type)) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `Invalid ${kind} type name "${type}": lower case letters, digits and -`,
      {
        details: { type },
        hint: 'use a name such as "http" or "acme:webhook"',
      },
    );
  }
  if (existing.has(type)) {
    throw new ConfigError('CONFIG_INVALID', `The ${kind} type "${type}" is already registered`, {
      details: { type },
      hint: 'pick another type name, or use a registry of your own (createAssetRegistry)',
    });
  }
}

/**
 * The asset types a config may use: each source/sink package registers its `type` with its options schema
 * and factory; a third-party package adds one with one call.
 * @example
 * ```ts
 * const registry = createAssetRegistry();
 * registry.registerSink({ type: 'webhook', description: 'HTTP POST', options: webhookOptions, create: (o) => webhookSink(o) });
 * ```
 */
export class AssetRegistry {
  readonly #sources = new Map<string, SourceType>();
  readonly #sinks = new Map<string, SinkType>();

  /** Adds a source type. @throws {@link ConfigError} when the name is taken or malformed. */
  registerSource(definition: SourceType): this {
    checkType('source', definition.type, this.#sources);
    this.#sources.set(definition.type, Object.freeze({ ...definition }));
    return this;
  }

  /** Adds a sink type. @throws {@link ConfigError} when the name is taken or malformed. */
  registerSink(definition: SinkType): this {
    checkType('sink', definition.type, this.#sinks);
    this.#sinks.set(definition.type, Object.freeze({ ...definition }));
    return this;
  }

  source(type: string): SourceType | undefined {
    return this.#sources.get(type);
  }

  sink(type: string): SinkType | undefined {
    return this.#sinks.get(type);
  }

  /** Registered source type names, in registration order. */
  sourceTypes(): string[] {
    return [...this.#sources.keys()];
  }

  /** Registered sink type names, in registration order. */
  sinkTypes(): string[] {
    return [...this.#sinks.keys()];
  }

  /** A copy of this registry (to add types without touching the original). */
  clone(): AssetRegistry {
    const copy = new AssetRegistry();
    for (const source of this.#sources.values()) copy.registerSource(source);
    for (const sink of this.#sinks.values()) copy.registerSink(sink);
    return copy;
  }
}
