import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalAwsError } from '../errors.js';
import type { AwsService } from '../services.js';
import { freePort, httpPost, httpStatus, pollUntil } from './net.js';
import { ManagedProcess } from './process.js';

/** The emulators the embedded backend can run. */
export type EmulatorName = 'fauxqs' | 'kinesis-local' | 'moto';

export interface RunningEmulator {
  name: EmulatorName;
  endpoint: string;
  process: ManagedProcess;
}

const binDir = fileURLToPath(new URL('../../bin/', import.meta.url));
const require = createRequire(import.meta.url);

/** Environment variable naming the Python interpreter that has moto installed (default `python3`). */
export const PYTHON_ENV_VAR = 'TRIBUTARY_PYTHON';

/**
 * Which emulator serves each requested service: fauxqs for S3, SQS and SNS, kinesis-local for Kinesis, moto
 * for the rest. Services that deliver to each other must share an emulator: with EventBridge and SQS both
 * requested, SQS (and SNS, which delivers to SQS) run on moto too. STS goes to moto whenever moto runs
 * anyway or AssumeRole is needed (fauxqs answers GetCallerIdentity only). `allOnMoto` puts all on one moto.
 */
export function planEmulators(
  services: readonly AwsService[],
  { allOnMoto, stsAssumeRole }: { allOnMoto: boolean; stsAssumeRole: boolean },
): Map<AwsService, EmulatorName> {
  const plan = new Map<AwsService, EmulatorName>();
  const eventsToQueues = services.includes('eventbridge') && services.includes('sqs');
  for (const service of services) {
    if (allOnMoto) plan.set(service, 'moto');
    else if (service === 's3') plan.set(service, 'fauxqs');
    else if (service === 'sqs' || service === 'sns') plan.set(service, eventsToQueues ? 'moto' : 'fauxqs');
    else if (service === 'kinesis') plan.set(service, 'kinesis-local');
    else if (service !== 'sts') plan.set(service, 'moto');
  }
  if (services.includes('sts') && !plan.has('sts')) {
    const motoRuns = [...plan.values()].includes('moto');
    plan.set('sts', motoRuns || stsAssumeRole ? 'moto' : 'fauxqs');
  }
  return plan;
}

interface StartOptions {
  region: string;
  timeoutMs: number;
}

function requireNodeForFauxqs(): void {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 5)) {
    throw new LocalAwsError(
      'LOCAL_AWS_UNAVAILABLE',
      `fauxqs needs Node >= 22.5 (node:sqlite), this is ${process.versions.node}; set TRIBUTARY_LOCAL_AWS=moto`,
    );
  }
}

async function readyPort(child: ManagedProcess, timeoutMs: number): Promise<number> {
  try {
    const match = await child.waitForStdout(/LISTENING (\d+)/, timeoutMs);
    return Number(match[1]);
  } catch (error) {
    await child.stop();
    throw child.startError((error as Error).message);
  }
}

async function startFauxqs({ region, timeoutMs }: StartOptions): Promise<RunningEmulator> {
  requireNodeForFauxqs();
  const child = new ManagedProcess({
    name: 'fauxqs',
    command: process.execPath,
    args: [`${binDir}fauxqs-server.mjs`],
    env: { ...process.env, FAUXQS_DEFAULT_REGION: region },
  });
  const port = await readyPort(child, timeoutMs);
  return { name: 'fauxqs', endpoint: `http://127.0.0.1:${port}`, process: child };
}

/** kinesis-mock's state transitions (CREATING -> ACTIVE and so on), shortened for tests. */
const KINESIS_DURATIONS = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
] as const;

async function startKinesisLocal({ region, timeoutMs }: StartOptions): Promise<RunningEmulator> {
  const packageDir = dirname(require.resolve('kinesis-local/package.json'));
  const [plainPort, tlsPort] = await Promise.all([freePort(), freePort()]);
  const child = new ManagedProcess({
    name: 'kinesis-local',
    command: process.execPath,
    // kinesis-mock reads server.json (its TLS certificate) from the working directory.
    args: ['--require', `${binDir}kinesis-preload.cjs`, 'main.js'],
    cwd: packageDir,
    env: {
      ...process.env,
      KINESIS_MOCK_PLAIN_PORT: String(plainPort),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      AWS_REGION: region,
      LOG_LEVEL: 'WARN',
      ...Object.fromEntries(KINESIS_DURATIONS.map((name) => [name, '100ms'])),
    },
  });
  const endpoint = `http://127.0.0.1:${plainPort}`;
  const healthy = await pollUntil(async () => (await httpStatus(`${endpoint}/healthcheck`, 1000)) === 200, {
    timeoutMs,
    stop: () => !child.running,
  });
  if (!healthy) {
    await child.stop();
    throw child.startError(
      child.running ? `GET /healthcheck did not answer 200 within ${timeoutMs} ms` : 'exited during startup',
    );
  }
  return { name: 'kinesis-local', endpoint, process: child };
}

async function startMoto({ timeoutMs }: StartOptions): Promise<RunningEmulator> {
  const child = new ManagedProcess({
    name: 'moto',
    command: process.env[PYTHON_ENV_VAR] || 'python3',
    args: [`${binDir}moto-server.py`],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const started = Date.now();
  const port = await readyPort(child, timeoutMs);
  const endpoint = `http://127.0.0.1:${port}`;
  const healthy = await pollUntil(async () => (await httpStatus(`${endpoint}/moto-api/`, 2000)) === 200, {
    timeoutMs: Math.max(1000, timeoutMs - (Date.now() - started)),
    stop: () => !child.running,
  });
  if (!healthy) {
    await child.stop();
    throw child.startError('GET /moto-api/ did not answer 200');
  }
  return { name: 'moto', endpoint, process: child };
}

/**
 * From now on moto checks every request's signature and IAM policies (its `INITIAL_NO_AUTH_ACTION_COUNT`,
 * reset to 0 through `/moto-api/reset-auth`).
 */
export async function enforceMotoAuth(endpoint: string): Promise<void> {
  const status = await httpPost(`${endpoint}/moto-api/reset-auth`, '0', 5000);
  if (status !== 200) {
    throw new LocalAwsError('LOCAL_AWS_START_FAILED', `moto refused to enforce auth (HTTP ${status})`);
  }
}

const starters: Record<EmulatorName, (options: StartOptions) => Promise<RunningEmulator>> = {
  fauxqs: startFauxqs,
  'kinesis-local': startKinesisLocal,
  moto: startMoto,
};

/** Starts the given emulators in parallel; if one fails, stops the others and throws its error. */
export async function startEmulators(
  names: ReadonlySet<EmulatorName>,
  options: StartOptions,
): Promise<Map<EmulatorName, RunningEmulator>> {
  const results = await Promise.allSettled([...names].map((name) => starters[name](options)));
  const running = new Map<EmulatorName, RunningEmulator>();
  const errors: unknown[] = [];
  for (const result of results) {
    if (result.status === 'fulfilled') running.set(result.value.name, result.value);
    else errors.push(result.reason);
  }
  if (errors.length > 0) {
    await Promise.all([...running.values()].map((emulator) => emulator.process.stop()));
    if (errors.length === 1) throw errors[0];
    const tails = errors.map((e) => (e instanceof LocalAwsError ? e.logTail : '')).join('\n');
    throw new LocalAwsError(
      'LOCAL_AWS_START_FAILED',
      errors.map((e) => (e instanceof Error ? e.message.split('\n')[0] : String(e))).join('; '),
      { logTail: tails },
    );
  }
  return running;
}
