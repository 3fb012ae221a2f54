import { z } from 'zod';
import { AWS_SERVICES } from './services.js';

/**
 * Options for {@link startLocalAws} (zod schema: validation, defaults, JSON Schema).
 * @example
 * ```ts
 * const options = startLocalAwsOptions.parse({ services: ['sqs'] }); // { services: ['sqs'], startupTimeoutMs: 60000, ... }
 * ```
 */
export const startLocalAwsOptions = z.strictObject({
  services: z
    .array(z.enum(AWS_SERVICES))
    .min(1)
    .optional()
    .describe('Services to provide (default: all). STS is always added, so `aws.test()` works'),
  backend: z
    .enum(['auto', 'external', 'localstack', 'embedded', 'moto'])
    .optional()
    .describe(
      'Backend to use; default from TRIBUTARY_LOCAL_AWS, else auto (external › LocalStack › embedded)',
    ),
  region: z
    .string()
    .min(1)
    .optional()
    .describe('Region; default TRIBUTARY_AWS_REGION, AWS_REGION, then us-east-1'),
  stsAssumeRole: z
    .boolean()
    .default(false)
    .describe(
      'Embedded: serve STS from moto, which answers AssumeRole (fauxqs answers GetCallerIdentity only)',
    ),
  enforceAuth: z
    .boolean()
    .default(false)
    .describe(
      'Embedded/moto: run every service on moto with signature and IAM checks; the connection gets a real key',
    ),
  startupTimeoutMs: z
    .number()
    .int()
    .min(1000)
    .default(60_000)
    .describe('Time each emulator has to start and pass its health check, in ms'),
});

/** Options for {@link startLocalAws}. */
export type StartLocalAwsOptions = z.input<typeof startLocalAwsOptions>;
