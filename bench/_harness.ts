// What the sink benchmarks share: the producer that honours backpressure, the raw-SDK batch loop's skeleton,
// throughput rounds against a local endpoint (a process per contender, with its peak RSS), client CPU per message
// behind a stub request handler (and, with BENCH_INSTRUCTIONS=1, instructions per message under valgrind; with
// BENCH_NETWORK_INSTRUCTIONS=1, two contenders' instructions per message over the network). Not a benchmark
// itself: bench/run.ts skips files starting with `_`.

import { type ChildProcess, execFile, fork } from 'node:child_process';
import { promisify } from 'node:util';
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

const CONTENDER_ENV = 'TRIBUTARY_BENCH_CONTENDER';
/** Set in a contender's child counted by {@link compareNetworkInstructions}: its targets (JSON), run one by one. */
const CONTENDER_TARGETS_ENV = 'TRIBUTARY_BENCH_TARGETS';

/**
 * What a contender's process is asked to do: run `contender` on these targets, the last one measured, any before
 * it warm-up. A contender's own process is only ever asked for that contender; the process of `sameProcess` (see
 * {@link throughputRounds}) for each of them in turn.
 */
interface ThroughputJob {
  targets: string[];
  contender: string;
}

/** The name of the process that runs every contender of `sameProcess` in turn. */
const SAME_PROCESS = 'same process';

/** A contender process's answer: the measured run's rate, its CPU per message (µs), the process's peak RSS (MiB). */
interface ThroughputResult {
  rate: number;
  cpu: number;
  rss: number;
}

/** Set in a contender's process: the contender it runs. */
const contenderName = process.env[CONTENDER_ENV];

/** What {@link throughputRounds} needs of the bench's local AWS (the testkit's `LocalAws`). */
interface LocalAwsEndpoints {
  backend: string;
  region: string;
  endpoints: Partial<Record<string, string>>;
}

/**
 * The environment a bench's child process needs to reach the same local AWS as its parent (its endpoints, region
 * and, for an emulator, the dummy credentials it accepts): `startLocalAws` in the child then starts nothing. The
 * variable names are the testkit's, imported here on first use: the CPU children must not load the testkit.
 */
async function sameLocalAws(local: LocalAwsEndpoints): Promise<Record<string, string>> {
  const { LOCAL_AWS_ENV_VARS: names } = await import('@tributary/testkit');
  const env: Record<string, string> = { [names.backend]: 'external', [names.region]: local.region };
  for (const [service, url] of Object.entries(local.endpoints)) {
    if (url !== undefined) env[`${names.serviceEndpointPrefix}${service.toUpperCase()}`] = url;
  }
  if (local.backend !== 'external') {
    env[names.accessKeyId] = 'test';
    env[names.secretAccessKey] = 'test';
  }
  return env;
}

/**
 * Runs every contender `rounds` times against a local endpoint, printing each run's rate, and returns the best
 * rate per contender. Each contender runs in a process of its own, started once for all its rounds (the same
 * script, reaching the parent's `local` AWS, see {@link sameLocalAws}): no contender's garbage, heap
 * growth or JIT feedback in the SDK's shared code lands on another's runs, and each keeps its own warmed-up
 * JIT and heap from round to round, as a long-lived service does. A process also settles into one state for
 * the whole run, so two runs of the bench can disagree: compare their medians. One contender runs at a time.
 * Before the first round every contender runs unmeasured on at least `warmUpMessages` messages (or
 * `BENCH_WARM_UP_MESSAGES`), in whole runs. The SDK's and Node's code goes on tiering up for hundreds of
 * thousands of messages: after 100,000, an SQS contender's process still finished 140–160 optimized
 * compilations in its next 80,000 messages, after 400,000 only 10–13 (`node --predictable --trace-opt`), and a
 * round measured before that pays for the compiling. `target()` gives each run its target (a
 * fresh one where the emulator slows down as it fills). The order of the contenders rotates every round. With
 * `ratios`, the ratio of two contenders within each round is summarized too (rounds drift on a shared 2-core
 * machine; a ratio within one round is steadier than the ratio of two best rounds). Each line also gives the
 * contender's CPU per message in that run (the emulator runs in a process of its own and is not counted) and
 * its process's peak RSS so far.
 */
export async function throughputRounds<N extends string>(options: {
  messages: number;
  rounds: number;
  unit: string;
  warmUpMessages: number;
  local: LocalAwsEndpoints;
  target: () => Promise<string>;
  contenders: readonly Contender<N>[];
  /** Pairs whose rate ratio, round by round, is printed as a median and a range. */
  ratios?: readonly (readonly [N, N])[];
  /**
   * With `BENCH_NETWORK_INSTRUCTIONS=1`: the instructions per message of these two contenders over the network
   * and their ratio, the first over the second (see {@link compareNetworkInstructions}).
   */
  countInstructions?: readonly [N, N];
  /**
   * Contenders that, after the rounds above, also run `rounds` rounds taking turns in one process of their own
   * (warmed up the same way): there they share whatever slows a process down, and their JIT feedback in the
   * SDK's shared code. The `ratios` between them are printed again for that process.
   */
  sameProcess?: readonly N[];
}): Promise<Record<N, number>> {
  const {
    messages,
    rounds,
    unit,
    warmUpMessages,
    local,
    target,
    contenders,
    ratios = [],
    countInstructions,
    sameProcess,
  } = options;
  if (contenderName !== undefined) return serveContender(contenderName, contenders, messages);
  const warmUpRuns = Math.max(
    1,
    Math.ceil(Number(process.env.BENCH_WARM_UP_MESSAGES ?? warmUpMessages) / messages),
  );
  const env = await sameLocalAws(local);
  const names = contenders.map(([name]) => name);
  const width = Math.max(5, ...names.map((name) => name.length));
  const shared = { rounds, unit, width, warmUpRuns, target };
  const processes = new Map(names.map((name) => [name, new ContenderProcess(name, env)]));
  let separate: Rounds<N>;
  try {
    separate = await runRounds({
      ...shared,
      names,
      processOf: (name) => processes.get(name) as ContenderProcess,
    });
  } finally {
    for (const child of processes.values()) child.stop();
  }
  printRatios(separate.rates, ratios, '');
  console.log(
    `  peak RSS per contender process: ${[...separate.peakRss].map(([name, mib]) => `${name} ${mib.toFixed(0)} MiB`).join(', ')}`,
  );
  if (sameProcess !== undefined) {
    console.log(`  ${sameProcess.join(', ')} taking turns in one process:`);
    const one = new ContenderProcess(SAME_PROCESS, env);
    try {
      const together = await runRounds({ ...shared, names: sameProcess, processOf: () => one });
      printRatios(
        together.rates,
        ratios.filter(([a, b]) => sameProcess.includes(a) && sameProcess.includes(b)),
        ' in one process',
      );
    } finally {
      one.stop();
    }
  }
  if (countInstructions !== undefined && process.env.BENCH_NETWORK_INSTRUCTIONS === '1') {
    await compareNetworkInstructions({ pair: countInstructions, messages, warmUpRuns, env, target });
  }
  return Object.fromEntries([...separate.rates].map(([name, xs]) => [name, Math.max(...xs)])) as Record<
    N,
    number
  >;
}

/** Each contender's rate per round, and its process's peak RSS. */
interface Rounds<N extends string> {
  rates: Map<N, number[]>;
  peakRss: Map<N, number>;
}

/**
 * `warmUpRuns` unmeasured runs of each of `names`, then `rounds` rounds of them in rotating order, one run at a
 * time, each on the process `processOf` gives it; prints every measured run.
 */
async function runRounds<N extends string>(options: {
  names: readonly N[];
  rounds: number;
  unit: string;
  width: number;
  warmUpRuns: number;
  target: () => Promise<string>;
  processOf: (name: N) => ContenderProcess;
}): Promise<Rounds<N>> {
  const { names, rounds, unit, width, warmUpRuns, target, processOf } = options;
  const rates = new Map<N, number[]>(names.map((name) => [name, []]));
  const peakRss = new Map<N, number>();
  for (const name of names) {
    const targets = [];
    for (let i = 0; i < warmUpRuns; i++) targets.push(await target());
    await processOf(name).run({ targets, contender: name });
  }
  for (let round = 1; round <= rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length] as N);
    for (const name of order) {
      const { rate, cpu, rss } = await processOf(name).run({ targets: [await target()], contender: name });
      rates.get(name)?.push(rate);
      peakRss.set(name, rss);
      console.log(
        `  round ${round} ${name.padEnd(width)} ${rate.toFixed(0)} ${unit}, ` +
          `client CPU ${cpu.toFixed(1)} µs each, peak RSS ${rss.toFixed(0)} MiB`,
      );
    }
  }
  return { rates, peakRss };
}

/** For each pair, the ratio of their rates round by round: median, its 95 % interval and range. */
function printRatios<N extends string>(
  rates: Map<N, number[]>,
  pairs: readonly (readonly [N, N])[],
  where: string,
): void {
  for (const [a, b] of pairs) {
    const as = rates.get(a) ?? [];
    const bs = rates.get(b) ?? [];
    const perRound = as.map((rate, i) => rate / (bs[i] ?? Number.NaN)).sort((x, y) => x - y);
    const median = perRound[Math.floor((perRound.length - 1) / 2)] ?? Number.NaN;
    const interval = medianInterval(perRound);
    console.log(
      `  ${a}/${b} round by round${where}: median ${median.toFixed(2)} ` +
        (interval
          ? `(95 % interval ${interval[0].toFixed(2)}–${interval[1].toFixed(2)})`
          : '(no 95 % interval under 6 rounds)') +
        `, range ${(perRound[0] ?? Number.NaN).toFixed(2)}–${(perRound.at(-1) ?? Number.NaN).toFixed(2)}`,
    );
  }
}

/**
 * A distribution-free 95 % confidence interval of the median of `sorted` (ascending): the order statistics
 * x(k) and x(n+1-k) for the largest k with P(Binomial(n, 1/2) < k) <= 2.5 %, so the true median lies between
 * them with at least 95 % probability whatever the distribution. Undefined for fewer than 6 values. With 10
 * rounds it is the 2nd smallest to the 2nd largest round.
 */
function medianInterval(sorted: readonly number[]): [number, number] | undefined {
  const n = sorted.length;
  let below = 0; // P(X <= j), X ~ Binomial(n, 1/2)
  let ways = 1; // n choose j
  let k = 0;
  for (let j = 0; j < n; j++) {
    below += ways / 2 ** n;
    if (below > 0.025) break;
    k = j + 1;
    ways = (ways * (n - j)) / (j + 1);
  }
  if (k === 0) return undefined;
  return [sorted[k - 1] as number, sorted[n - k] as number];
}

/** A contender's process, seen from the bench: one job at a time over its IPC channel. */
class ContenderProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<never>;

  constructor(name: string, env: Record<string, string>) {
    this.#child = fork(process.argv[1] as string, process.argv.slice(2), {
      env: { ...process.env, ...env, [CONTENDER_ENV]: name },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.#exited = new Promise((_, reject) => {
      this.#child.once('exit', (code, signal) =>
        reject(new Error(`the ${name} contender's process ended (${signal ?? `exit code ${code}`})`)),
      );
    });
    this.#exited.catch(() => {});
  }

  run(job: ThroughputJob): Promise<ThroughputResult> {
    const answer = new Promise<ThroughputResult>((resolve) => this.#child.once('message', resolve as never));
    this.#child.send(job);
    return Promise.race([answer, this.#exited]);
  }

  /** Ends the process (it exits when its IPC channel closes). */
  stop(): void {
    if (this.#child.connected) this.#child.disconnect();
  }
}

/** In a contender's process: runs each job the bench sends, answers with what it measured, ends with the bench. */
function serveContender<N extends string>(
  name: string,
  contenders: readonly Contender<N>[],
  messages: number,
): Promise<never> {
  const runOf = (contender: string): ((target: string) => Promise<void>) => {
    const run = contenders.find(([n]) => n === contender)?.[1];
    if (run === undefined) throw new Error(`no contender named ${contender}`);
    return run;
  };
  const targets = process.env[CONTENDER_TARGETS_ENV];
  if (targets !== undefined) {
    // Counted by valgrind from outside (no IPC): every run, then exit.
    return (async () => {
      const run = runOf(name);
      for (const target of JSON.parse(targets) as string[]) await run(target);
      process.exit(0);
    })();
  }
  process.on('message', async (job: ThroughputJob) => {
    const run = runOf(job.contender);
    const measured = job.targets.at(-1) as string;
    for (const target of job.targets.slice(0, -1)) await run(target);
    const start = performance.now();
    const cpuBefore = process.cpuUsage();
    await run(measured);
    const cpu = process.cpuUsage(cpuBefore);
    process.send?.({
      rate: messages / ((performance.now() - start) / 1000),
      cpu: (cpu.user + cpu.system) / messages,
      rss: process.resourceUsage().maxRSS / 1024,
    } satisfies ThroughputResult);
  });
  process.once('disconnect', () => process.exit(0));
  return new Promise<never>(() => {});
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

const CPU_SIDE_ENV = 'TRIBUTARY_BENCH_CPU_SIDE';
const CPU_RESULT = 'tributary-bench-cpu-ns-per-message ';
const CPU_WARM_UP_RUNS = 5;
const CPU_MEASURED_RUNS = 3;
/** Set in a child counted by {@link instructionsInChild}: how many runs follow the warm-up. */
const INSTRUCTION_RUNS_ENV = 'TRIBUTARY_BENCH_INSTRUCTION_RUNS';
/** The two children per side that {@link compareInstructions} counts differ by this many runs. */
const INSTRUCTION_RUNS = [1, 4] as const;

/**
 * Set in the child processes {@link compareCpu} starts: the side that child measures. A bench skips its other
 * sections there.
 */
export const cpuChildSide = process.env[CPU_SIDE_ENV] as 'raw' | 'sink' | undefined;

/**
 * Client CPU per message of the raw loop and of the sink over `count` messages, printed as one line with their
 * ratio. Each measurement runs in a fresh child process of the bench (the same script, with
 * {@link cpuChildSide} set), so neither side's garbage, heap growth or JIT feedback in the SDK's shared code
 * lands on the other. A child runs its side five times to warm up (the sink's JIT and GC settle later than the
 * raw loop's), then three times measured, each from a collected heap to collecting that run's garbage (so each
 * side pays for its own), and reports the least. The sides alternate, `rounds` children each; the least of each
 * side is kept. A bench imports only what the client side needs at the top (see {@link cpuChildSide}).
 */
export async function compareCpu(options: {
  sinkName: string;
  count: number;
  rounds: number;
  raw: () => Promise<void>;
  sink: () => Promise<void>;
}): Promise<void> {
  const { sinkName, count, rounds } = options;
  if (cpuChildSide !== undefined) {
    const run = options[cpuChildSide];
    const instructionRuns = process.env[INSTRUCTION_RUNS_ENV];
    if (instructionRuns !== undefined) {
      // Counted by valgrind from outside: the same warm-up, then a number of runs, and no forced collections
      // (their cost would not cancel between two children with different numbers of runs).
      for (let i = 0; i < CPU_WARM_UP_RUNS + Number(instructionRuns); i++) await run();
      process.exit(0);
    }
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // The JIT's background compilation is CPU of this process too; it goes on for several runs.
    for (let i = 0; i < CPU_WARM_UP_RUNS; i++) await run();
    let least = Number.POSITIVE_INFINITY;
    for (let i = 0; i < CPU_MEASURED_RUNS; i++) {
      gc();
      const before = process.cpuUsage();
      await run();
      gc();
      const used = process.cpuUsage(before);
      least = Math.min(least, ((used.user + used.system) * 1000) / count);
    }
    process.stdout.write(`${CPU_RESULT}${least}\n`);
    process.exit(0);
  }
  const costs = { raw: [] as number[], sink: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    const sides = round % 2 === 0 ? (['raw', 'sink'] as const) : (['sink', 'raw'] as const);
    for (const side of sides) costs[side].push(await cpuInChild(side));
  }
  const raw = Math.min(...costs.raw);
  const sink = Math.min(...costs.sink);
  console.log(
    `cpu per message (stub handler, ${count} messages, one process per measurement): SDK ${(raw / 1000).toFixed(2)} µs, ` +
      `${sinkName} ${(sink / 1000).toFixed(2)} µs, ratio ${(sink / raw).toFixed(2)} (target <= 1.2)`,
  );
  if (process.env.BENCH_INSTRUCTIONS === '1') await compareInstructions(sinkName, count);
}

/**
 * With `BENCH_INSTRUCTIONS=1`: the same comparison in instructions, which do not vary with the host's speed
 * (the CPU times above do, by ±10 % on a shared machine). Each side runs in two children under
 * `valgrind --tool=cachegrind` with `node --predictable` (no background compilation or collection threads,
 * so one child counts the same every time): the same warm-up, then 1 and 4 runs. The difference of the two
 * counts, over the 3 runs' messages, is the side's instructions per message once warmed up, start-up and
 * warm-up cancelling out. Slow (valgrind runs node about 50 times slower): use it with
 * `BENCH_<SERVICE>_CPU_MESSAGES` around 20,000.
 */
async function compareInstructions(sinkName: string, count: number): Promise<void> {
  if (!(await hasValgrind())) {
    console.log('instructions per message: skipped, valgrind is not installed (apt-get install valgrind)');
    return;
  }
  const perMessage = (side: 'raw' | 'sink') =>
    instructionsPerMessage(count, (runs) => instructionsInChild(side, runs));
  const raw = await perMessage('raw');
  const sink = await perMessage('sink');
  console.log(
    `instructions per message (stub handler, valgrind, node --predictable, ${count} messages a run): ` +
      `SDK ${raw.toFixed(0)}, ${sinkName} ${sink.toFixed(0)}, ratio ${(sink / raw).toFixed(3)}`,
  );
}

/**
 * With `BENCH_NETWORK_INSTRUCTIONS=1`: the throughput comparison of `pair` counted in instructions, over the
 * network to the same local endpoint, as {@link compareInstructions} counts the CPU section's: each contender
 * runs in two children under cachegrind with `node --predictable`, the same `warmUpRuns`, then 1 and 4 runs, a
 * fresh target each; the difference over the 3 runs' messages is its instructions per message. The rounds'
 * CPU times vary with the host (one and the same contender's by a factor of two between rounds); these counts
 * are the client's work over the real HTTP path (sockets, parsing, the SDK's handler), which the stub handler
 * of the CPU section leaves out. The emulator is not counted. Unlike the stub handler's counts they are not
 * repeatable: the emulator's timing decides whether a full collection falls inside the counted runs (the SQS
 * sink's count moved by 8 % between two identical runs). Very slow: about 25 minutes for SQS.
 */
async function compareNetworkInstructions<N extends string>(options: {
  pair: readonly [N, N];
  messages: number;
  warmUpRuns: number;
  env: Record<string, string>;
  target: () => Promise<string>;
}): Promise<void> {
  const { pair, messages, warmUpRuns, env, target } = options;
  if (!(await hasValgrind())) {
    console.log('  instructions per message over the network: skipped, valgrind is not installed');
    return;
  }
  const perMessage = (name: N) =>
    instructionsPerMessage(messages, async (runs) => {
      const targets: string[] = [];
      for (let i = 0; i < warmUpRuns + runs; i++) targets.push(await target());
      const childEnv = { ...env, [CONTENDER_ENV]: name, [CONTENDER_TARGETS_ENV]: JSON.stringify(targets) };
      return instructionsOfChild(childEnv, `the ${name} contender`);
    });
  const [a, b] = pair;
  const first = await perMessage(a);
  const second = await perMessage(b);
  console.log(
    `  instructions per message over the network (valgrind, node --predictable, ${warmUpRuns} warm-up runs): ` +
      `${a} ${first.toFixed(0)}, ${b} ${second.toFixed(0)}, ${a}/${b} ${(first / second).toFixed(3)}`,
  );
}

/**
 * Instructions per message of one side from two children counted at once, the same warm-up then
 * {@link INSTRUCTION_RUNS} runs of `messages` each: their difference over the runs they differ by.
 */
async function instructionsPerMessage(
  messages: number,
  countWithRuns: (runs: number) => Promise<number>,
): Promise<number> {
  const [fewerRuns, moreRuns] = INSTRUCTION_RUNS;
  const [fewer, more] = await Promise.all([countWithRuns(fewerRuns), countWithRuns(moreRuns)]);
  return (more - fewer) / ((moreRuns - fewerRuns) * messages);
}

async function hasValgrind(): Promise<boolean> {
  try {
    await promisify(execFile)('valgrind', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs this bench again with `env` added (which makes it a CPU child or a contender), started by `command`
 * (node, or a tool and its flags followed by node and node's flags); its output.
 */
function benchInChild(
  env: Record<string, string>,
  command: readonly [string, ...string[]],
): Promise<{ stdout: string; stderr: string }> {
  const [file, ...args] = command;
  return promisify(execFile)(file, [...args, ...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Runs this bench's `side` CPU child under cachegrind for warm-up plus `runs` runs; its instruction count. */
function instructionsInChild(side: 'raw' | 'sink', runs: number): Promise<number> {
  return instructionsOfChild(
    { [CPU_SIDE_ENV]: side, [INSTRUCTION_RUNS_ENV]: String(runs) },
    `the ${side} CPU child`,
  );
}

/** Runs this bench with `env` (a child, `what`) under cachegrind with `node --predictable`; its instruction count. */
async function instructionsOfChild(env: Record<string, string>, what: string): Promise<number> {
  const { stderr } = await benchInChild(env, [
    'valgrind',
    '--tool=cachegrind',
    '--cache-sim=no',
    '--cachegrind-out-file=/dev/null',
    // V8 writes and runs its own machine code.
    '--smc-check=all-non-file',
    process.execPath,
    '--predictable',
  ]);
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr)?.[1];
  if (refs === undefined) throw new Error(`cachegrind printed no instruction count for ${what}:\n${stderr}`);
  return Number(refs.replaceAll(',', ''));
}

/**
 * The sink side of {@link compareCpu}: each call writes through one long-lived sink, made on the first call,
 * and flushes it. A sink lives as long as the service that writes through it; a new sink per measured run
 * would also charge that run with recompiling what the forced collection before it deoptimized when it
 * collected the previous run's sink (see the package READMEs).
 */
export function throughOneSink<S extends { flush(): Promise<void> }>(
  make: () => S,
  run: (sink: S) => Promise<void>,
): () => Promise<void> {
  let sink: S | undefined;
  return async () => {
    sink ??= make();
    await run(sink);
    await sink.flush();
  };
}

/** Runs this bench again in a child process that measures `side` only; its CPU per message in ns. */
async function cpuInChild(side: 'raw' | 'sink'): Promise<number> {
  const { stdout } = await benchInChild({ [CPU_SIDE_ENV]: side }, [process.execPath]);
  const line = stdout.split('\n').find((l) => l.startsWith(CPU_RESULT));
  if (line === undefined) throw new Error(`the ${side} CPU child printed no result:\n${stdout}`);
  return Number(line.slice(CPU_RESULT.length));
}
