import type { AwsConnection, AwsConnectionConfig } from '@tributary/connection';
import { awsConnection, Secret } from '@tributary/connection';

/**
 * Region of {@link testConnection}.
 * @example
 * ```ts
 * const queueUrl = `https://sqs.${TEST_REGION}.amazonaws.com/123456789012/orders`;
 * ```
 */
export const TEST_REGION = 'eu-west-1';

/**
 * A connection for unit tests with `aws-sdk-client-mock`: region `eu-west-1`, dummy access keys, no
 * endpoint. It never needs the network as long as its clients are mocked.
 * @example
 * ```ts
 * const sqs = mockClient(SQSClient);
 * const message = await firstValueFrom(sqsSource(testConnection(), { queueUrl }));
 * ```
 */
export function testConnection(overrides: Partial<AwsConnectionConfig> = {}): AwsConnection {
  return awsConnection({
    name: 'Test',
    region: TEST_REGION,
    auth: {
      mode: 'access-key',
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: new Secret('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'),
    },
    ...overrides,
  } as AwsConnectionConfig);
}
