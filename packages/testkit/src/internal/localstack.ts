import { LocalAwsError } from '../errors.js';
import type { DockerProbe } from './docker.js';
import { LogRing } from './process.js';

/** Environment variable naming the LocalStack image (default {@link DEFAULT_LOCALSTACK_IMAGE}). */
export const LOCALSTACK_IMAGE_ENV_VAR = 'TRIBUTARY_LOCALSTACK_IMAGE';
export const DEFAULT_LOCALSTACK_IMAGE = 'localstack/localstack:4';

export interface RunningLocalStack {
  endpoint: string;
  logs: LogRing;
  stop(): Promise<void>;
}

/** The error for a LocalStack request on a machine whose Docker engine does not answer. */
export function noDockerError(probe: DockerProbe): LocalAwsError {
  return new LocalAwsError(
    'LOCAL_AWS_UNAVAILABLE',
    `LocalStack needs Docker, but no Docker engine is reachable (tried ${probe.tried.join(', ')}); ` +
      'start Docker or set DOCKER_HOST, or unset TRIBUTARY_LOCAL_AWS to use the embedded emulators',
  );
}

/** Starts LocalStack through testcontainers (loaded only here, as it is heavy). */
export async function startLocalStack(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunningLocalStack> {
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  const image = env[LOCALSTACK_IMAGE_ENV_VAR] || DEFAULT_LOCALSTACK_IMAGE;
  const logs = new LogRing();
  let started: Awaited<ReturnType<InstanceType<typeof LocalstackContainer>['start']>>;
  try {
    started = await new LocalstackContainer(image).withStartupTimeout(timeoutMs).start();
  } catch (error) {
    throw new LocalAwsError(
      'LOCAL_AWS_START_FAILED',
      `LocalStack (${image}) did not start: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    const stream = await started.logs();
    stream.setEncoding('utf8');
    stream.on('data', (text: string) => logs.push(text));
    stream.on('error', () => {});
  } catch {
    // logs are a convenience
  }
  return {
    endpoint: started.getConnectionUri(),
    logs,
    stop: async () => {
      await started.stop();
    },
  };
}
