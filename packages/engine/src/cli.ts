import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isTributaryError, type Logger, type LogLevel, redactSecrets } from '@tributary/connection';
import { Engine, type EngineRun, type WorkflowProgress } from './engine.js';
import { documentJsonSchema } from './jsonSchema.js';
import { loadDocument } from './loadConfig.js';
import { assetUsage } from './usage.js';
import { type ResolvedConfig, testEnvironmentOf, validateConfig } from './validate.js';

/** Exit codes of the `tributary` CLI. */
export const ExitCode = {
  /** Success; also `run` stopped by SIGINT/SIGTERM after draining. */
  OK: 0,
  /** A workflow failed, or a connection test did not pass. */
  FAILED: 1,
  /** Bad command line (unknown command or flag, missing argument). */
  USAGE: 2,
  /** The config is invalid (every problem is listed). */
  CONFIG_INVALID: 3,
  /** A second SIGINT/SIGTERM aborted `run` without draining. */
  ABORTED: 130,
} as const;

/** Where the CLI writes and what it listens to; defaults to the process. */
export interface CliIo {
  stdout?: { write(text: string): unknown; isTTY?: boolean };
  stderr?: { write(text: string): unknown };
  /** SIGINT/SIGTERM source; default `process`. */
  signals?: {
    on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
    off(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
  };
  /** Process environment for `${env:X}` and env secrets; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Progress output interval in ms; default 500 on a TTY, 5000 otherwise. */
  progressIntervalMs?: number;
}

const HELP = `Usage: tributary <command> [options]

Commands:
  validate <config>                     check the config (every problem with its JSON path)
  test-connection <config> [name]       test connections (all, or one by name) with the test environment
  run <config> [workflow...]            run workflows (default: all) until sources complete or SIGINT/SIGTERM
  schema                                print the JSON Schema of config documents
  usage <config>                        which sources, sinks and workflows use each connection, secret, variable

Options:
  --env <name>          environment to use (default: defaultEnvironment, or the only one;
                        test-connection: testEnvironment, or "test")
  --set NAME=value      override an environment variable (repeatable)
  --roles a,b           this node's roles: assets whose requiredRoles are not held are refused
  --timeout <ms>        test-connection timeout per connection (default 5000)
  --progress <mode>     run: tty | log | none (default: tty on a terminal, else log)
  --progress-interval <ms>  run: how often progress is shown (default 500 on a terminal, else 5000)
  --json                usage, validate, test-connection: print JSON
  -h, --help            this help
  -v, --version         print the version

Exit codes: 0 ok (also run stopped by a signal after draining), 1 workflow failed or connection test
failed, 2 bad command line, 3 invalid config, 130 aborted by a second signal.
`;

class UsageError extends Error {}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One readable block per problem; never a stack trace for a user mistake, never a secret. */
export function formatError(error: unknown): string {
  if (isTributaryError(error)) {
    const lines = [`error ${error.code}: ${error.message}`];
    if (error.hint) lines.push(`hint: ${error.hint}`);
    return `${redactSecrets(lines.join('\n'))}\n`;
  }
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return `${redactSecrets(`error ${name}: ${message}`)}\n`;
}

/** JSON lines at `minLevel` and above; `isLevelEnabled` lets the SDK clients skip work for dropped lines. */
export function jsonLogger(write: (line: string) => void, minLevel: 'debug' | 'info' | 'warn'): Logger {
  const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
  const isLevelEnabled = (level: LogLevel): boolean => levels.indexOf(level) >= levels.indexOf(minLevel);
  const make =
    (level: LogLevel) =>
    (event: string, data: Record<string, unknown> = {}) => {
      if (!isLevelEnabled(level)) return;
      write(`${redactSecrets(JSON.stringify({ time: new Date().toISOString(), level, event, ...data }))}\n`);
    };
  return {
    debug: make('debug'),
    info: make('info'),
    warn: make('warn'),
    error: make('error'),
    isLevelEnabled,
  };
}

interface Flags {
  env?: string;
  set: string[];
  roles?: string;
  timeout?: string;
  progress?: string;
  'progress-interval'?: string;
  json: boolean;
  help: boolean;
  version: boolean;
}

function parse(argv: readonly string[]): {
  command: string | undefined;
  positionals: string[];
  flags: Flags;
} {
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        env: { type: 'string' },
        set: { type: 'string', multiple: true, default: [] },
        roles: { type: 'string' },
        timeout: { type: 'string' },
        progress: { type: 'string' },
        'progress-interval': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
    const [command, ...rest] = positionals;
    return { command, positionals: rest, flags: values as Flags };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function variablesOf(flags: Flags): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of flags.set) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set expects NAME=value, got "${pair.slice(0, 40)}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

function rolesOf(flags: Flags): string[] | undefined {
  if (flags.roles === undefined) return undefined;
  return flags.roles
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
}

function configArg(positionals: string[], command: string): string {
  const file = positionals[0];
  if (file === undefined) throw new UsageError(`${command}: missing <config> (path of the JSON config file)`);
  return file;
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

async function resolve(
  file: string,
  flags: Flags,
  env: Readonly<Record<string, string | undefined>>,
  extra: { environment?: string | undefined; workflows?: string[] } = {},
): Promise<ResolvedConfig> {
  const { document, baseDir } = await loadDocument(file);
  const roles = rolesOf(flags);
  const environment = flags.env ?? extra.environment;
  return validateConfig(document, {
    baseDir,
    processEnv: env,
    variables: variablesOf(flags),
    ...(environment === undefined ? {} : { environment }),
    ...(roles === undefined ? {} : { roles }),
    ...(extra.workflows && extra.workflows.length > 0 ? { workflows: extra.workflows } : {}),
  });
}

const num = (n: number) => n.toLocaleString('en-US');

function renderProgress(
  progress: WorkflowProgress[],
  rates: Map<string, number>,
  elapsedMs: number,
): string[] {
  const lines = [
    `tributary run: ${(elapsedMs / 1000).toFixed(1)} s   (Ctrl-C: stop and drain; twice: abort)`,
  ];
  for (const w of progress) {
    const errors = w.nacked + w.transformErrors + w.ackErrors;
    lines.push(
      `workflow ${w.name} [${w.state}]  in ${num(w.received)} (${num(Math.round(rates.get(w.name) ?? 0))}/s)  in flight ${num(w.inFlight)}  acked ${num(w.acked)}  errors ${num(errors)}  filtered ${num(w.filtered)}  discarded ${num(w.discarded)}`,
    );
    for (const s of Object.values(w.sinks)) {
      lines.push(
        `  -> ${s.name.padEnd(20)} out ${num(s.written).padStart(10)} (${num(Math.round(rates.get(`${w.name}/${s.name}`) ?? 0))}/s)  in flight ${num(s.inFlight)}  rejected ${num(s.rejected)}`,
      );
    }
  }
  return lines;
}

async function runCommand(
  run: EngineRun,
  io: Required<Pick<CliIo, 'stdout' | 'stderr' | 'signals'>> & CliIo,
  mode: string,
  logger: Logger,
): Promise<number> {
  const started = Date.now();
  const intervalMs = io.progressIntervalMs ?? (mode === 'tty' ? 500 : 5000);
  const last = new Map<string, { value: number; at: number }>();
  const rates = new Map<string, number>();
  let shownLines = 0;
  const sample = () => {
    const now = Date.now();
    const progress = run.progress();
    const rate = (key: string, value: number) => {
      const previous = last.get(key);
      if (previous && now > previous.at)
        rates.set(key, ((value - previous.value) * 1000) / (now - previous.at));
      last.set(key, { value, at: now });
    };
    for (const w of progress) {
      rate(w.name, w.received);
      for (const s of Object.values(w.sinks)) rate(`${w.name}/${s.name}`, s.written);
    }
    return progress;
  };
  const draw = () => {
    const progress = sample();
    if (mode === 'tty') {
      const lines = renderProgress(progress, rates, Date.now() - started);
      const up = shownLines > 0 ? `\x1b[${shownLines}F` : '';
      io.stdout.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
      shownLines = lines.length;
    } else if (mode === 'log') {
      for (const w of progress) {
        logger.info('engine.progress', {
          workflow: w.name,
          state: w.state,
          received: w.received,
          ratePerSecond: Math.round(rates.get(w.name) ?? 0),
          inFlight: w.inFlight,
          acked: w.acked,
          nacked: w.nacked,
          ...Object.fromEntries(Object.values(w.sinks).map((s) => [`sink.${s.name}.written`, s.written])),
          ...Object.fromEntries(Object.values(w.sinks).map((s) => [`sink.${s.name}.rejected`, s.rejected])),
        });
      }
    }
  };
  const timer = mode === 'none' ? undefined : setInterval(draw, intervalMs);
  let signals = 0;
  let aborted = false;
  let resolveAbort: () => void = () => {};
  const abortedPromise = new Promise<void>((r) => {
    resolveAbort = r;
  });
  const onSignal = () => {
    signals += 1;
    if (signals === 1) {
      logger.warn('engine.run.stopping', { reason: 'signal' });
      if (mode === 'tty') {
        io.stdout.write('stopping: draining in-flight messages (signal again to abort)\n');
        shownLines = 0;
      }
      void run.stop().catch(() => {});
    } else {
      aborted = true;
      run.abort();
      resolveAbort();
    }
  };
  io.signals.on('SIGINT', onSignal);
  io.signals.on('SIGTERM', onSignal);
  try {
    await Promise.race([run.done, abortedPromise]);
    if (aborted) {
      io.stderr.write('aborted: messages in flight were not acked and will be redelivered by their source\n');
      return ExitCode.ABORTED;
    }
    draw();
    const result = await run.done;
    const summary = result.workflows.map(
      (w) =>
        `workflow ${w.name}: received ${w.received}, acked ${w.acked}, nacked ${w.nacked}, filtered ${w.filtered}, discarded ${w.discarded}; ${Object.values(
          w.sinks,
        )
          .map((s) => `${s.name} ${s.written}`)
          .join(', ')}`,
    );
    if (mode !== 'log') io.stdout.write(`${result.stopped ? 'stopped' : 'done'}\n${summary.join('\n')}\n`);
    else logger.info('engine.run.done', { stopped: result.stopped, workflows: result.workflows.length });
    return ExitCode.OK;
  } catch (error) {
    if (aborted) return ExitCode.ABORTED;
    io.stderr.write(formatError(error));
    return ExitCode.FAILED;
  } finally {
    if (timer) clearInterval(timer);
    io.signals.off('SIGINT', onSignal);
    io.signals.off('SIGTERM', onSignal);
  }
}

/**
 * The `tributary` CLI: `validate`, `test-connection`, `run`, `schema`, `usage`. Returns the exit code
 * (see {@link ExitCode}); never throws.
 * @example
 * ```ts
 * process.exitCode = await main(['validate', 'tributary.json', '--env', 'dev']);
 * ```
 */
export async function main(argv: readonly string[], cliIo: CliIo = {}): Promise<number> {
  const io = {
    ...cliIo,
    stdout: cliIo.stdout ?? process.stdout,
    stderr: cliIo.stderr ?? process.stderr,
    signals: cliIo.signals ?? process,
  };
  const env = cliIo.env ?? process.env;
  try {
    const { command, positionals, flags } = parse(argv);
    if (flags.version) {
      io.stdout.write(`${version()}\n`);
      return ExitCode.OK;
    }
    if (flags.help || command === undefined || command === 'help') {
      io.stdout.write(HELP);
      return command === undefined && !flags.help ? ExitCode.USAGE : ExitCode.OK;
    }
    switch (command) {
      case 'schema':
        io.stdout.write(`${JSON.stringify(documentJsonSchema(), null, 2)}\n`);
        return ExitCode.OK;
      case 'validate': {
        const config = await resolve(configArg(positionals, command), flags, env);
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({ valid: true, environment: config.environment ?? null })}\n`);
        } else {
          io.stdout.write(
            `valid${config.environment ? ` (environment ${config.environment})` : ''}: ${count(config.connections.size, 'connection')}, ${count(config.sources.size, 'source')}, ${count(config.sinks.size, 'sink')}, ${count(config.workflows.size, 'workflow')}\n`,
          );
        }
        return ExitCode.OK;
      }
      case 'usage': {
        const { document } = await loadDocument(configArg(positionals, command));
        const usage = assetUsage(document);
        if (flags.json) {
          io.stdout.write(`${JSON.stringify(usage, null, 2)}\n`);
          return ExitCode.OK;
        }
        const lines: string[] = [];
        for (const [title, entries] of [
          ['Connections', usage.connections],
          ['Secrets', usage.secrets],
          ['Environment variables', usage.variables],
        ] as const) {
          lines.push(`${title}:`);
          const names = Object.keys(entries);
          if (names.length === 0) lines.push('  (none)');
          for (const name of names) {
            const e = entries[name];
            if (e === undefined) continue;
            const parts = [
              e.connections.length ? `connections: ${e.connections.join(', ')}` : '',
              e.sources.length ? `sources: ${e.sources.join(', ')}` : '',
              e.sinks.length ? `sinks: ${e.sinks.join(', ')}` : '',
              e.workflows.length ? `workflows: ${e.workflows.join(', ')}` : '',
            ].filter((p) => p !== '');
            lines.push(`  ${name}: ${parts.length ? parts.join('; ') : 'unused'}`);
          }
        }
        io.stdout.write(`${lines.join('\n')}\n`);
        return ExitCode.OK;
      }
      case 'test-connection': {
        const file = configArg(positionals, command);
        const { document } = await loadDocument(file);
        const config = await resolve(file, flags, env, { environment: testEnvironmentOf(document) });
        const names = positionals[1] !== undefined ? [positionals[1]] : [...config.connections.keys()];
        for (const name of names) {
          if (!config.connections.has(name)) {
            const { unknownReference } = await import('./internal/suggest.js');
            throw new UsageError(unknownReference('connection', name, [...config.connections.keys()]));
          }
        }
        const timeoutMs = flags.timeout === undefined ? undefined : Number(flags.timeout);
        if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) {
          throw new UsageError(`--timeout expects a positive integer (ms), got "${flags.timeout}"`);
        }
        const engine = new Engine(config);
        let failed = 0;
        const results: Record<string, unknown> = {};
        for (const name of names) {
          const result = await engine.testConnection(name, timeoutMs === undefined ? {} : { timeoutMs });
          results[name] = result;
          if (!result.ok) failed += 1;
          if (flags.json) continue;
          if (result.ok) {
            const who = result.identity?.arn ?? result.identity?.account;
            io.stdout.write(`ok   ${name} (${result.latencyMs} ms)${who ? ` as ${who}` : ''}\n`);
          } else {
            io.stdout.write(
              `${redactSecrets(`FAIL ${name}: ${result.error?.code ?? 'ERROR'}: ${result.error?.message ?? ''}\n     hint: ${result.error?.hint ?? ''}`)}\n`,
            );
          }
        }
        await engine.close();
        if (flags.json) io.stdout.write(`${redactSecrets(JSON.stringify(results, null, 2))}\n`);
        return failed === 0 ? ExitCode.OK : ExitCode.FAILED;
      }
      case 'run': {
        const file = configArg(positionals, command);
        const config = await resolve(file, flags, env, { workflows: positionals.slice(1) });
        const mode = flags.progress ?? (io.stdout.isTTY ? 'tty' : 'log');
        if (!['tty', 'log', 'none'].includes(mode)) {
          throw new UsageError(`--progress expects tty, log or none, got "${mode}"`);
        }
        const interval = flags['progress-interval'];
        const progressIntervalMs = interval === undefined ? io.progressIntervalMs : Number(interval);
        if (
          progressIntervalMs !== undefined &&
          !(Number.isInteger(progressIntervalMs) && progressIntervalMs > 0)
        ) {
          throw new UsageError(`--progress-interval expects a positive integer (ms), got "${interval}"`);
        }
        const logger = jsonLogger((line) => io.stderr.write(line), mode === 'log' ? 'info' : 'warn');
        const engine = new Engine(config, { logger });
        let run: EngineRun;
        try {
          run = await engine.run();
        } catch (error) {
          await engine.close();
          throw error;
        }
        return await runCommand(run, { ...io, progressIntervalMs }, mode, logger);
      }
      default:
        throw new UsageError(
          `unknown command "${command}" (commands: validate, test-connection, run, schema, usage)`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`error: ${error.message}\nRun "tributary --help" for usage.\n`);
      return ExitCode.USAGE;
    }
    io.stderr.write(formatError(error));
    if (isTributaryError(error) && error.name === 'ConfigError') return ExitCode.CONFIG_INVALID;
    if (
      isTributaryError(error) &&
      ['CONFIG_INVALID', 'CONFIG_MACRO_UNRESOLVED', 'ROLES_MISSING'].includes(error.code)
    ) {
      return ExitCode.CONFIG_INVALID;
    }
    return ExitCode.FAILED;
  }
}
