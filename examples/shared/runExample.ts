import { fileURLToPath } from 'node:url';
import { isSecret } from '@tributary/connection';
import { Engine, loadDocument, type RunResult, validateConfig } from '@tributary/engine';
import type { LocalAws } from '@tributary/testkit';

/** Path of a JSON example next to this folder. */
export const examplePath = (name: string): string =>
  fileURLToPath(new URL(`../json/${name}.tributary.json`, import.meta.url));

/** The variables and secret that point an example's `local` environment at a {@link LocalAws}. */
export function localSettings(local: LocalAws): {
  variables: Record<string, string>;
  processEnv: Record<string, string | undefined>;
} {
  const auth = local.connectionConfig.auth;
  if (auth.mode !== 'access-key')
    throw new Error(`examples need access-key auth from the local AWS, got ${auth.mode}`);
  const secret = isSecret(auth.secretAccessKey)
    ? auth.secretAccessKey.reveal()
    : String(auth.secretAccessKey);
  return {
    variables: {
      ENDPOINT: local.endpoints.sqs ?? local.endpoints.s3 ?? local.endpoints.eventbridge ?? '',
      ACCESS_KEY_ID: auth.accessKeyId,
      ...(local.endpoints.kinesis ? { KINESIS_ENDPOINT: local.endpoints.kinesis } : {}),
    },
    processEnv: { ...process.env, TRIBUTARY_EXAMPLE_AWS_SECRET: secret },
  };
}

/**
 * Runs a JSON example with the engine. Workflows whose source completes (S3 `once`) end by themselves;
 * for endless sources (SQS) the run is stopped once `stopAfterDecided` messages were acked or nacked.
 */
export async function runExample(
  name: string,
  local: LocalAws,
  variables: Record<string, string>,
  { stopAfterDecided, timeoutMs = 120_000 }: { stopAfterDecided?: number; timeoutMs?: number } = {},
): Promise<RunResult> {
  const { document, baseDir } = await loadDocument(examplePath(name));
  const settings = localSettings(local);
  const config = validateConfig(document, {
    baseDir,
    variables: { ...settings.variables, ...variables },
    processEnv: settings.processEnv,
  });
  const run = await new Engine(config).run();
  if (stopAfterDecided === undefined) return run.done;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [progress] = run.progress();
    if (progress && progress.acked + progress.nacked >= stopAfterDecided) break;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return run.stop();
}
