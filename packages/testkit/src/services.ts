/**
 * AWS services the testkit can provide, named as in `AwsConnectionConfig.endpoints`.
 * @example
 * ```ts
 * await using local = await startLocalAws({ services: AWS_SERVICES.filter((s) => s !== 'kinesis') });
 * ```
 */
export const AWS_SERVICES = [
  's3',
  'sqs',
  'sns',
  'sts',
  'kinesis',
  'eventbridge',
  'secretsmanager',
  'ssm',
  'iam',
] as const;

/** One of {@link AWS_SERVICES}. */
export type AwsService = (typeof AWS_SERVICES)[number];

/** Where the services of a {@link LocalAws} run. */
export type LocalAwsBackend = 'external' | 'localstack' | 'embedded' | 'moto';
