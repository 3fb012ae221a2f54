import { type ChildProcess, spawn } from 'node:child_process';
import { LocalAwsError } from '../errors.js';

const LOG_CAPACITY_CHARS = 64 * 1024;

/** Keeps the last {@link LOG_CAPACITY_CHARS} characters a child wrote to stdout and stderr. */
export class LogRing {
  #chunks: string[] = [];
  #size = 0;
  push(chunk: string): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > LOG_CAPACITY_CHARS && this.#chunks.length > 1) {
      this.#size -= this.#chunks.shift()?.length ?? 0;
    }
  }
  tail(maxChars = 8192): string {
    const all = this.#chunks.join('');
    return all.length > maxChars ? all.slice(all.length - maxChars) : all;
  }
}

/** Children alive in this process, killed (whole process group) when the process exits or is signalled. */
const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function killAllNow(): void {
  for (const child of live) killGroup(child, 'SIGKILL');
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, onSignal);
  }
}

export interface SpawnOptions {
  /** Short name used in errors and `logTail()`: `fauxqs`, `kinesis-local`, `moto`. */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A child process in its own process group, with stdin held open as a lifeline: every launcher this
 * package ships exits when its stdin closes, so a child dies with its parent even on SIGKILL.
 */
export class ManagedProcess {
  readonly name: string;
  readonly logs = new LogRing();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  #stdoutListeners: Array<(text: string) => void> = [];
  #stopped = false;

  constructor(options: SpawnOptions) {
    this.name = options.name;
    installExitHooks();
    this.#child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    live.add(this.#child);
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        live.delete(this.#child);
        resolve({ code, signal });
      });
      this.#child.once('error', (error) => {
        this.logs.push(`[testkit] could not start ${options.command}: ${error.message}\n`);
        live.delete(this.#child);
        resolve({ code: null, signal: null });
      });
    });
    this.#child.stdin?.on('error', () => {});
    this.#child.stdout?.setEncoding('utf8');
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stdout?.on('data', (text: string) => {
      this.logs.push(text);
      for (const listener of this.#stdoutListeners) listener(text);
    });
    this.#child.stderr?.on('data', (text: string) => this.logs.push(text));
    // Do not keep the test process alive for a child it forgot to dispose.
    this.#child.unref();
    for (const stream of [this.#child.stdin, this.#child.stdout, this.#child.stderr]) {
      (stream as { unref?: () => void } | null)?.unref?.();
    }
  }

  /** Process id of the child (the leader of its process group). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** True until the child has exited. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null && live.has(this.#child);
  }

  /** Resolves with the first match of `pattern` on stdout; rejects when the child exits or time runs out. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => finish(new Error(`no "${pattern.source}" within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const listener = (text: string): void => {
        seen += text;
        const match = seen.match(pattern);
        if (match) finish(undefined, match);
      };
      const finish = (error?: Error, match?: RegExpMatchArray): void => {
        clearTimeout(timer);
        this.#stdoutListeners = this.#stdoutListeners.filter((l) => l !== listener);
        if (match) resolve(match);
        else reject(error);
      };
      this.#stdoutListeners.push(listener);
      void this.exited.then(({ code, signal }) =>
        finish(new Error(`exited (code ${code}, signal ${signal}) before it was ready`)),
      );
    });
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once the child has exited. */
  async stop(graceMs = 2000): Promise<void> {
    if (this.#stopped) return this.exited.then(() => undefined);
    this.#stopped = true;
    if (!this.running) return;
    killGroup(this.#child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.#child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Anything the child itself started in its group goes too.
    killGroup(this.#child, 'SIGKILL');
  }

  /** An error for a failed start, with the child's log tail. */
  startError(reason: string): LocalAwsError {
    return new LocalAwsError('LOCAL_AWS_START_FAILED', `${this.name} did not start: ${reason}`, {
      logTail: this.logs.tail(),
    });
  }
}
