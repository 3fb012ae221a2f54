import { pathToFileURL } from 'node:url';
import {
  type AwsConnection,
  type AwsConnectionConfig,
  awsConnection,
  ConfigError,
  type ConnectionTestResult,
  chainSecrets,
  type Logger,
  type SecretStore,
  silentLogger,
  testAwsConnection,
} from '@tributary/connection';
import type { Message, Sink } from '@tributary/stream';
import type { Subscription } from 'rxjs';
import { type CompiledCondition, compileCondition } from './conditions.js';
import { documentSecrets } from './secretStore.js';
import type { ResolvedConfig, ResolvedWorkflow } from './validate.js';

/** A workflow transform: returns the new body, several bodies, or `null` to drop the message (acked). */
export type Transform = (body: unknown, message: Message<unknown, unknown>) => unknown;

/** Options of {@link Engine}. */
export interface EngineOptions {
  /** Consulted before the document's `secrets` section (tests, embedding applications). */
  secrets?: SecretStore;
  /** Where the engine, its connections, sources and sinks log; default silent. */
  logger?: Logger;
}

/** Counters of one sink within a run. */
export interface SinkProgress {
  name: string;
  /** Messages with a receipt. */
  written: number;
  /** Writes rejected for good (the source message was nacked). */
  rejected: number;
  /** Writes awaiting their receipt. */
  inFlight: number;
}

/** Counters of one workflow within a run. */
export interface WorkflowProgress {
  name: string;
  source: string;
  state: 'running' | 'stopping' | 'done' | 'failed';
  /** Messages taken from the source. */
  received: number;
  acked: number;
  nacked: number;
  /** Messages the transform dropped (`null` / `[]`): acked. */
  filtered: number;
  /** Outputs no rule matched, with `default: discard`. */
  discarded: number;
  /** Messages with an output no rule matched, with `default: fail`: nacked. */
  unrouted: number;
  transformErrors: number;
  /** ack() / nack() calls that failed (the source will redeliver). */
  ackErrors: number;
  /** Messages being transformed or written. */
  inFlight: number;
  sinks: Record<string, SinkProgress>;
}

/** Result of a run: the final counters. */
export interface RunResult {
  workflows: WorkflowProgress[];
  /** True when the run ended by {@link EngineRun.stop} (rather than sources completing). */
  stopped: boolean;
}

/** A running set of workflows. */
export interface EngineRun {
  /** Live counters. */
  progress(): WorkflowProgress[];
  /**
   * Graceful stop: sources stop taking messages, messages in flight finish (acked after their sinks'
   * receipts, or nacked), sinks flush and close, connections close. Resolves when `done` does.
   */
  stop(): Promise<RunResult>;
  /** Stops at once: nothing more is acked; unacked messages are redelivered by their source later. */
  abort(): void;
  /** Resolves when every source completed (or after stop) and everything is flushed; rejects on a source error. */
  readonly done: Promise<RunResult>;
}

interface CompiledRoute {
  when: CompiledCondition | undefined;
  sinks: string[];
}

function normalizeOutputs(result: unknown): unknown[] {
  if (result === null || result === undefined) return [];
  return Array.isArray(result) ? result : [result];
}

async function loadTransform(workflow: ResolvedWorkflow): Promise<Transform | undefined> {
  if (workflow.transformPath === undefined) return undefined;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(workflow.transformPath).href)) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigError(
      'CONFIG_INVALID',
      `Cannot load transform ${workflow.transformPath} of workflow ${workflow.name}`,
      {
        cause: error,
        details: { path: `${workflow.path}/transform`, workflow: workflow.name },
        hint: 'the transform is an ES module (.js/.mjs, or .ts on Node >= 23.6) exporting a function',
      },
    );
  }
  const fn = module.default ?? module.transform;
  if (typeof fn !== 'function') {
    throw new ConfigError('CONFIG_INVALID', `Transform ${workflow.transformPath} exports no function`, {
      details: { path: `${workflow.path}/transform`, workflow: workflow.name },
      hint: 'export default (body, message) => body | body[] | null',
    });
  }
  return fn as Transform;
}

/**
 * Runs the assets of a validated config: connections, sources, sinks and workflows.
 * @example
 * ```ts
 * const engine = new Engine(validateConfig(document, { environment: 'dev' }), { logger });
 * const run = await engine.run();
 * process.once('SIGTERM', () => run.stop());
 * await run.done;
 * ```
 */
export class Engine {
  readonly config: ResolvedConfig;
  readonly logger: Logger;
  readonly secrets: SecretStore;
  readonly #connections = new Map<string, AwsConnection>();

  constructor(config: ResolvedConfig, options: EngineOptions = {}) {
    this.config = config;
    this.logger = options.logger ?? silentLogger;
    const documentStore = documentSecrets(config.secrets, {
      baseDir: config.baseDir,
      ...(config.processEnv ? { processEnv: config.processEnv } : {}),
      connection: (name) => this.connection(name),
    });
    this.secrets = options.secrets ? chainSecrets(options.secrets, documentStore) : documentStore;
  }

  #context(name: string) {
    const asset = this.config.connections.get(name);
    if (asset === undefined) {
      throw new ConfigError('CONFIG_INVALID', `Unknown connection "${name}"`, {
        details: { connection: name },
      });
    }
    return {
      asset,
      context: {
        environment: this.config.variables,
        secrets: this.secrets,
        logger: this.logger,
        path: asset.path,
        ...(this.config.processEnv ? { processEnv: this.config.processEnv } : {}),
      },
    };
  }

  /** The connection asset `name`, created on first use and shared; closed by {@link Engine.close}. */
  connection(name: string): AwsConnection {
    let connection = this.#connections.get(name);
    if (connection === undefined) {
      const { asset, context } = this.#context(name);
      connection = awsConnection(asset.raw as AwsConnectionConfig, context);
      this.#connections.set(name, connection);
    }
    return connection;
  }

  /**
   * Tests a connection asset with a fresh connection (STS GetCallerIdentity); never throws for
   * connection problems: `ok: false` with a code and a hint.
   * @example
   * ```ts
   * const result = await engine.testConnection('Local', { timeoutMs: 3000 });
   * ```
   */
  async testConnection(name: string, options: { timeoutMs?: number } = {}): Promise<ConnectionTestResult> {
    const { asset, context } = this.#context(name);
    return testAwsConnection(asset.raw as AwsConnectionConfig, {
      ...context,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  /** Closes every connection; idempotent. */
  async close(): Promise<void> {
    const all = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(all.map((c) => c.close()));
  }

  /**
   * Starts workflows (default: those selected at validation). Loads transforms and creates sinks first;
   * a problem there rejects before any source starts.
   */
  async run(names: readonly string[] = this.config.selected): Promise<EngineRun> {
    const workflows = names.map((name) => {
      const workflow = this.config.workflows.get(name);
      if (workflow === undefined) {
        throw new ConfigError('CONFIG_INVALID', `Unknown workflow "${name}"`, {
          details: { workflow: name },
        });
      }
      return workflow;
    });
    const transforms = await Promise.all(workflows.map(loadTransform));
    const sinks = new Map<string, Sink<unknown>>();
    for (const workflow of workflows) {
      for (const name of workflow.routes.flatMap((r) => r.sinks)) {
        if (sinks.has(name)) continue;
        const asset = this.config.sinks.get(name);
        const type = asset && this.config.registry.sink(asset.type);
        if (asset === undefined || type === undefined) {
          throw new ConfigError('CONFIG_INVALID', `Unknown sink "${name}"`, { details: { sink: name } });
        }
        sinks.set(
          name,
          type.create(asset.options, {
            name,
            connection: this.connection(asset.connection),
            logger: this.logger,
          }),
        );
      }
    }
    return new Run(this, workflows, transforms, sinks);
  }
}

class Run implements EngineRun {
  readonly done: Promise<RunResult>;
  readonly #engine: Engine;
  readonly #workflows: WorkflowRun[];
  readonly #sinks: Map<string, Sink<unknown>>;
  #stopped = false;
  #aborted = false;

  constructor(
    engine: Engine,
    workflows: ResolvedWorkflow[],
    transforms: (Transform | undefined)[],
    sinks: Map<string, Sink<unknown>>,
  ) {
    this.#engine = engine;
    this.#sinks = sinks;
    this.#workflows = workflows.map((w, i) => new WorkflowRun(engine, w, transforms[i], sinks));
    this.done = this.#finish();
  }

  async #finish(): Promise<RunResult> {
    const results = await Promise.allSettled(
      this.#workflows.map((w) =>
        w.done.catch((error: unknown) => {
          // One failed workflow stops the others gracefully.
          for (const other of this.#workflows) other.stop();
          throw error;
        }),
      ),
    );
    if (!this.#aborted) {
      const closing = await Promise.allSettled([...this.#sinks.values()].map((s) => s.close()));
      for (const c of closing) {
        if (c.status === 'rejected') {
          this.#engine.logger.error('engine.sink.closeFailed', { error: errorName(c.reason) });
        }
      }
    }
    await this.#engine.close();
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    return { workflows: this.progress(), stopped: this.#stopped };
  }

  progress(): WorkflowProgress[] {
    return this.#workflows.map((w) => w.progress());
  }

  stop(): Promise<RunResult> {
    this.#stopped = true;
    for (const w of this.#workflows) w.stop();
    return this.done;
  }

  abort(): void {
    this.#aborted = true;
    this.#stopped = true;
    for (const w of this.#workflows) w.abort();
  }
}

function errorName(error: unknown): string {
  if (error instanceof Error) return (error as { code?: string }).code ?? error.name;
  return typeof error;
}

class WorkflowRun {
  readonly done: Promise<void>;
  readonly #workflow: ResolvedWorkflow;
  readonly #transform: Transform | undefined;
  readonly #sinks: Map<string, Sink<unknown>>;
  readonly #routes: CompiledRoute[];
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  /**
   * Messages being handled: a count, since nothing needs their tasks. (A long-lived Set that takes and drops an
   * object per message can get those objects promoted to V8's old generation: see `internal/slotTable.ts` in
   * `@tributary/stream`.)
   */
  #inFlight = 0;
  /** `abort()` stops waiting for the messages in flight. */
  #abandoned = false;
  readonly #waiting: Message<unknown, unknown>[] = [];
  readonly #stats: WorkflowProgress;
  #subscription: Subscription | undefined;
  #sourceDone = false;
  #failure: { error: unknown } | undefined;
  #resolve!: () => void;
  #reject!: (error: unknown) => void;
  #settled = false;

  constructor(
    engine: Engine,
    workflow: ResolvedWorkflow,
    transform: Transform | undefined,
    sinks: Map<string, Sink<unknown>>,
  ) {
    this.#workflow = workflow;
    this.#transform = transform;
    this.#sinks = sinks;
    this.#logger = engine.logger;
    this.#routes = workflow.routes.map((r) => ({
      when: r.when ? compileCondition(r.when) : undefined,
      sinks: r.sinks,
    }));
    const sinkStats: Record<string, SinkProgress> = {};
    for (const name of new Set(workflow.routes.flatMap((r) => r.sinks))) {
      sinkStats[name] = { name, written: 0, rejected: 0, inFlight: 0 };
    }
    this.#stats = {
      name: workflow.name,
      source: workflow.source,
      state: 'running',
      received: 0,
      acked: 0,
      nacked: 0,
      filtered: 0,
      discarded: 0,
      unrouted: 0,
      transformErrors: 0,
      ackErrors: 0,
      inFlight: 0,
      sinks: sinkStats,
    };
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const asset = engine.config.sources.get(workflow.source);
    const type = asset && engine.config.registry.source(asset.type);
    if (asset === undefined || type === undefined) {
      this.#fail(new ConfigError('CONFIG_INVALID', `Unknown source "${workflow.source}"`));
      return;
    }
    try {
      const source$ = type.create(asset.options, {
        name: asset.name,
        connection: engine.connection(asset.connection),
        logger: this.#logger,
        signal: this.#controller.signal,
      });
      this.#logger.info('engine.workflow.started', { workflow: workflow.name, source: asset.name });
      this.#subscription = source$.subscribe({
        next: (message) => this.#accept(message),
        error: (error: unknown) => {
          this.#logger.error('engine.source.failed', { workflow: workflow.name, error: errorName(error) });
          this.#failure ??= { error };
          this.#sourceDone = true;
          this.#nackWaiting('source failed');
          this.#maybeFinish();
        },
        complete: () => {
          this.#sourceDone = true;
          this.#maybeFinish();
        },
      });
    } catch (error) {
      this.#fail(error);
    }
  }

  progress(): WorkflowProgress {
    const sinks: Record<string, SinkProgress> = {};
    for (const [name, s] of Object.entries(this.#stats.sinks)) sinks[name] = { ...s };
    return { ...this.#stats, inFlight: this.#inFlight + this.#waiting.length, sinks };
  }

  stop(): void {
    if (this.#sourceDone) return;
    this.#stats.state = 'stopping';
    this.#logger.info('engine.workflow.stopping', { workflow: this.#workflow.name });
    this.#controller.abort();
    this.#subscription?.unsubscribe();
    this.#sourceDone = true;
    this.#nackWaiting('workflow stopped');
    this.#maybeFinish();
  }

  abort(): void {
    this.#controller.abort();
    this.#subscription?.unsubscribe();
    this.#sourceDone = true;
    this.#waiting.length = 0;
    this.#abandoned = true;
    this.#maybeFinish();
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#sourceDone = true;
    this.#maybeFinish();
  }

  #nackWaiting(reason: string): void {
    for (const message of this.#waiting.splice(0)) {
      this.#stats.nacked += 1;
      message.nack({ reason }).catch(() => {
        this.#stats.ackErrors += 1;
      });
    }
  }

  #maybeFinish(): void {
    if (this.#settled || !this.#sourceDone || this.#waiting.length > 0) return;
    if (this.#inFlight > 0 && !this.#abandoned) return;
    this.#settled = true;
    if (this.#failure !== undefined) {
      this.#stats.state = 'failed';
      this.#reject(this.#failure.error);
    } else {
      this.#stats.state = 'done';
      this.#logger.info('engine.workflow.done', {
        workflow: this.#workflow.name,
        received: this.#stats.received,
        acked: this.#stats.acked,
        nacked: this.#stats.nacked,
      });
      this.#resolve();
    }
  }

  #accept(message: Message<unknown, unknown>): void {
    this.#stats.received += 1;
    if (this.#sourceDone) {
      this.#stats.nacked += 1;
      message.nack({ reason: 'workflow stopped' }).catch(() => {
        this.#stats.ackErrors += 1;
      });
      return;
    }
    if (this.#inFlight < this.#workflow.maxInFlight) this.#start(message);
    else this.#waiting.push(message);
  }

  #start(message: Message<unknown, unknown>): void {
    this.#inFlight += 1;
    this.#handle(message).finally(() => {
      this.#inFlight -= 1;
      const next = this.#waiting.shift();
      if (next !== undefined) this.#start(next);
      else this.#maybeFinish();
    });
  }

  #route(body: unknown): string[] {
    const targets = new Set<string>();
    for (const route of this.#routes) {
      if (route.when === undefined || route.when(body)) {
        for (const sink of route.sinks) targets.add(sink);
        if (this.#workflow.routing === 'first-match') break;
      }
    }
    return [...targets];
  }

  async #decide(message: Message<unknown, unknown>, ok: boolean, reason?: unknown): Promise<void> {
    try {
      if (ok) {
        await message.ack();
        this.#stats.acked += 1;
      } else {
        await message.nack({ reason });
        this.#stats.nacked += 1;
      }
    } catch (error) {
      this.#stats.ackErrors += 1;
      this.#logger.warn('engine.message.decisionFailed', {
        workflow: this.#workflow.name,
        ack: ok,
        error: errorName(error),
      });
    }
  }

  async #handle(message: Message<unknown, unknown>): Promise<void> {
    let outputs: unknown[];
    try {
      outputs = this.#transform
        ? normalizeOutputs(await this.#transform(message.body, message))
        : [message.body];
    } catch (error) {
      this.#stats.transformErrors += 1;
      this.#logger.warn('engine.transform.failed', {
        workflow: this.#workflow.name,
        error: errorName(error),
      });
      return this.#decide(message, false, error);
    }
    if (outputs.length === 0) {
      this.#stats.filtered += 1;
      return this.#decide(message, true);
    }
    const plan: { body: unknown; sink: string }[] = [];
    let unrouted = false;
    for (const body of outputs) {
      const targets = this.#route(body);
      if (targets.length === 0) {
        if (this.#workflow.default === 'fail') unrouted = true;
        else this.#stats.discarded += 1;
      }
      for (const sink of targets) plan.push({ body, sink });
    }
    if (unrouted) {
      this.#stats.unrouted += 1;
      return this.#decide(message, false, 'no routing rule matched (default: fail)');
    }
    const results = await Promise.allSettled(plan.map((p) => this.#write(p.sink, p.body, message)));
    const rejected = results.find((r) => r.status === 'rejected');
    return this.#decide(message, rejected === undefined, rejected?.reason);
  }

  async #write(name: string, body: unknown, message: Message<unknown, unknown>): Promise<void> {
    const sink = this.#sinks.get(name) as Sink<unknown>;
    const stats = this.#stats.sinks[name] as SinkProgress;
    stats.inFlight += 1;
    try {
      await sink.write({ body, attributes: message.attributes, id: message.id });
      stats.written += 1;
    } catch (error) {
      stats.rejected += 1;
      this.#logger.warn('engine.write.rejected', {
        workflow: this.#workflow.name,
        sink: name,
        error: errorName(error),
      });
      throw error;
    } finally {
      stats.inFlight -= 1;
    }
  }
}
