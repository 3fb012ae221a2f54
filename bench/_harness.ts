// What the sink benchmarks share: the producer that honours backpressure, the raw-SDK batch loop's skeleton,
// throughput rounds against a local endpoint, client CPU per message behind a stub request handler, and peak
// RSS. Not a benchmark itself: bench/run.ts skips files starting with `_`.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type AwsConnection, silentLogger } from '@tributary/connection';

/**
 * Calls `write(i)` for every i with at most `window` writes outstanding, as a producer that honours the sink's
 * backpressure (or `writeTo`) does. (A producer that starts 100,000 writes at once spends most of its CPU in
 * the BatchWriter's queue of writes waiting for buffer room: see the README.)
 */
export async function writeAll(
  count: number,
  write: (i: number) => Promise<unknown>,
  window: number,
): Promise<void> {
  let outstanding = 0;
  let failed: unknown;
  let wake: (() => void) | undefined;
  const done = (): void => {
    outstanding--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onError = (error: unknown): void => {
    failed = error;
    done();
  };
  for (let i = 0; i < count; i++) {
    while (outstanding >= window) await new Promise<void>((resolve) => (wake = resolve));
    if (failed !== undefined) throw failed;
    outstanding++;
    write(i).then(done, onError);
  }
  while (outstanding > 0) await new Promise<void>((resolve) => (wake = resolve));
  if (failed !== undefined) throw failed;
}

/**
 * The skeleton of a tuned raw-SDK loop: `concurrency` workers, each taking the next `batch` indexes of
 * `0..count` and awaiting `send(start, end)` for them (which resends only the failed entries, see
 * {@link backoff}).
 */
export async function inBatches(
  count: number,
  batch: number,
  concurrency: number,
  send: (start: number, end: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const start = next;
      next = Math.min(count, next + batch);
      await send(start, next);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Full-jitter backoff before resending failed entries: up to 50 ms × 2^attempt, at most 1 s. */
export function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(1_000, 50 * 2 ** attempt)));
}

/** A contender of a throughput round: its name and a run against a target (stream name, topic ARN, queue URL). */
export type Contender<N extends string> = readonly [name: N, run: (target: string) => Promise<void>];

/**
 * Runs every contender `rounds` times against a local endpoint, printing each run's rate, and returns the
 * best rate per contender. `target()` gives each run its target (a fresh one where the emulator slows down as
 * it fills). With `warmUp`, an extra round 0 warms the emulator and the JIT up and is not counted, and the
 * order of the contenders rotates every round.
 */
export async function throughputRounds<N extends string>(options: {
  messages: number;
  rounds: number;
  unit: string;
  warmUp: boolean;
  target: () => Promise<string>;
  contenders: readonly Contender<N>[];
}): Promise<Record<N, number>> {
  const { messages, rounds, unit, warmUp, target, contenders } = options;
  const width = Math.max(5, ...contenders.map(([name]) => name.length));
  const rates = new Map<N, number[]>(contenders.map(([name]) => [name, []]));
  for (let round = warmUp ? 0 : 1; round <= rounds; round++) {
    const order = warmUp
      ? contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender<N>)
      : contenders;
    for (const [name, run] of order) {
      const to = await target();
      const start = performance.now();
      await run(to);
      const rate = messages / ((performance.now() - start) / 1000);
      if (round > 0) rates.get(name)?.push(rate);
      console.log(
        `  ${round === 0 ? 'warm-up' : `round ${round}`} ${name.padEnd(width)} ${rate.toFixed(0)} ${unit}`,
      );
    }
  }
  return Object.fromEntries([...rates].map(([name, xs]) => [name, Math.max(...xs)])) as Record<N, number>;
}

/** What a stub request handler answers: status 200 with this content type and body. */
export interface StubResponse {
  response: { statusCode: number; headers: Record<string, string>; body: Uint8Array };
}

/** The part of a signed request a stub handler looks at. */
export interface StubRequest {
  body?: unknown;
  headers: Record<string, string>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A 200 answer with `body` (encoded once by the caller where it never changes). */
export function stubResponse(contentType: string, body: string | Uint8Array): StubResponse {
  return {
    response: {
      statusCode: 200,
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? encoder.encode(body) : body,
    },
  };
}

/** A request's body as text (the SDK hands the handler a string or bytes). */
export function requestText(request: StubRequest): string {
  return typeof request.body === 'string' ? request.body : decoder.decode(request.body as Uint8Array);
}

/**
 * Client configuration that sends every request to `handle` instead of the network, with fixed region and
 * credentials: spread it into an SDK client's constructor.
 */
export function stubClientConfig(handle: (request: StubRequest) => Promise<StubResponse>) {
  const requestHandler = {
    handle,
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return {
    region: 'eu-west-1',
    endpoint: 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    requestHandler: requestHandler as never,
  };
}

/** Only what a sink uses of a connection: this (stub) client, and a logger. */
export function stubConnection(client: unknown): AwsConnection {
  return { client: () => client, logger: silentLogger } as unknown as AwsConnection;
}

/**
 * Client CPU per message of the raw loop and of the sink over `count` messages (each run once to warm up,
 * then `rounds` times; the least is kept), printed as one line with their ratio. Each side pays for its own
 * garbage: the heap is collected before a run, and that run's garbage inside its measurement.
 */
export async function compareCpu(options: {
  sinkName: string;
  count: number;
  rounds: number;
  raw: () => Promise<void>;
  sink: () => Promise<void>;
}): Promise<void> {
  const { sinkName, count, rounds } = options;
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const cpu = async (run: () => Promise<void>): Promise<number> => {
    gc();
    const before = process.cpuUsage();
    await run();
    gc();
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1000) / count; // ns per message
  };
  const costs = { raw: [] as number[], sink: [] as number[] };
  for (let round = 0; round < rounds + 1; round++) {
    const raw = await cpu(options.raw);
    const sink = await cpu(options.sink);
    if (round === 0) continue; // warm-up
    costs.raw.push(raw);
    costs.sink.push(sink);
  }
  const raw = Math.min(...costs.raw);
  const sink = Math.min(...costs.sink);
  console.log(
    `cpu per message (stub handler, ${count} messages): SDK ${(raw / 1000).toFixed(2)} µs, ` +
      `${sinkName} ${(sink / 1000).toFixed(2)} µs, ratio ${(sink / raw).toFixed(2)} (target <= 1.2)`,
  );
}

/** Prints the process's peak resident set size (the kernel's high-water mark). */
export function printPeakRss(): void {
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}
