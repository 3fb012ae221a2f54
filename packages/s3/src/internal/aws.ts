import type { AwsConnection } from '@tributary/connection';

/** What the S3 package uses of an {@link AwsConnection}: cached SDK clients and the logger. */
export type S3Aws = Pick<AwsConnection, 'client' | 'logger'>;
