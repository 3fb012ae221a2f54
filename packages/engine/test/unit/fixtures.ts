// biome-ignore-all lint/suspicious/noTemplateCurlyInString: macros are what these fixtures test
/** A valid document used by the unit tests; each test mutates a copy. */
export function validDocument(): Record<string, unknown> {
  return {
    $schema: 'https://tributary.dev/schema/config.json',
    defaultEnvironment: 'dev',
    environments: [
      {
        name: 'dev',
        variables: { REGION: 'eu-west-1', QUEUE: 'orders-dev', STREAM: 'events-dev', KEY_ID: 'AKIDEV' },
      },
      {
        name: 'prod',
        variables: { REGION: 'us-east-1', QUEUE: 'orders-prod', STREAM: 'events-prod', KEY_ID: 'AKIPROD' },
      },
      { name: 'test', variables: { REGION: 'eu-central-1', QUEUE: 'q', STREAM: 's', KEY_ID: 'AKITEST' } },
    ],
    secrets: [{ name: 'aws-secret', provider: 'env', variable: 'TEST_AWS_SECRET' }],
    connections: [
      {
        name: 'Main',
        type: 'aws',
        region: '${REGION}',
        auth: { mode: 'access-key', accessKeyId: '${lay:KEY_ID}', secretAccessKey: '${sec:aws-secret}' },
        requiredRoles: ['aws'],
      },
    ],
    sources: [{ name: 'orders', type: 'sqs', connection: 'Main', queueName: '${QUEUE}', bodyFormat: 'json' }],
    sinks: [
      {
        name: 'events',
        type: 'kinesis',
        connection: 'Main',
        streamName: '$<STREAM>',
        partitionKeyField: 'id',
      },
      { name: 'audit', type: 'sqs', connection: 'Main', queueName: 'audit', requiredRoles: ['audit'] },
    ],
    workflows: [
      {
        name: 'ingest',
        source: 'orders',
        routes: [
          { when: { field: 'kind', op: 'eq', value: 'audit' }, sinks: ['audit'] },
          { sinks: ['events'] },
        ],
        default: 'discard',
      },
    ],
  };
}
