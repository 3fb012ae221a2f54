import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { isSecret } from '@tributary/connection';
import { Engine, loadDocument, validateConfig, type WorkflowProgress } from '@tributary/engine';
import { type LocalAws, startLocalAws } from '@tributary/testkit';
import { bodyId, readQueueIds, readStreamIds } from '../shared/readBack.ts';
import { type DemoSink, demoEvent, expectedSink } from './generate.ts';

const here = dirname(fileURLToPath(import.meta.url));

/** One row of the demo summary. */
export interface DemoRow {
  sink: DemoSink;
  via: string;
  expected: number;
  written: number;
  readBack: number;
  passed: boolean;
}

/** What {@link runDemo} reports. */
export interface DemoResult {
  events: number;
  rows: DemoRow[];
  workflow: WorkflowProgress;
  seconds: number;
  eventsPerSecond: number;
  passed: boolean;
  backend: string;
}

function secretOf(local: LocalAws): string {
  const auth = local.connectionConfig.auth;
  if (auth.mode !== 'access-key')
    throw new Error(`the demo needs access-key auth from the local AWS, got ${auth.mode}`);
  const secret = auth.secretAccessKey;
  return isSecret(secret) ? secret.reveal() : String(secret);
}

/**
 * The demo: embedded local AWS, resources, `events` generated NDJSON events in S3, the JSON-configured
 * workflow of demo.tributary.json, read back and verified.
 */
export async function runDemo({
  events = 100_000,
  objects = 20,
  onProgress,
  log = () => {},
}: {
  events?: number;
  objects?: number;
  onProgress?: (progress: WorkflowProgress, elapsedMs: number) => void;
  log?: (line: string) => void;
} = {}): Promise<DemoResult> {
  log('starting the embedded local AWS (fauxqs: S3/SQS/SNS, kinesis-local, moto: EventBridge + its SQS)...');
  await using streams = await startLocalAws({ services: ['s3', 'sqs', 'sns', 'kinesis'] });
  await using eventsAws = await startLocalAws({ services: ['eventbridge', 'sqs'] });
  log(`backend ${streams.backend}; creating the bucket, queues, topic, stream and event bus...`);
  const [bucket, ordersQueue, euQueue, alertQueue, topic, stream, bus] = await Promise.all([
    streams.createBucket(),
    streams.createQueue(),
    streams.createQueue(),
    eventsAws.createQueue(),
    streams.createTopic(),
    streams.createStream({ shards: 2 }),
    eventsAws.createEventBus(),
  ]);
  await streams.subscribeQueue(topic.arn, euQueue, { raw: true });
  await eventsAws.routeEventsToQueue(bus.name, alertQueue, { source: ['tributary.demo'] });

  log(
    `seeding s3://${bucket.name}/events/ with ${events.toLocaleString('en-US')} NDJSON events in ${objects} objects...`,
  );
  const expected: Record<DemoSink, Set<string>> = {
    orders: new Set(),
    'eu-fanout': new Set(),
    'audit-stream': new Set(),
    alerts: new Set(),
    filtered: new Set(),
  };
  const s3 = streams.connection({ name: 'Seeder' }).client(S3Client);
  const perObject = Math.ceil(events / objects);
  const puts: Promise<unknown>[] = [];
  for (let o = 0; o < objects; o++) {
    const lines: string[] = [];
    for (let i = o * perObject; i < Math.min(events, (o + 1) * perObject); i++) {
      const event = demoEvent(i);
      expected[expectedSink(event)].add(event.id);
      lines.push(JSON.stringify(event));
    }
    const key = `events/part-${String(o).padStart(4, '0')}.ndjson`;
    puts.push(
      s3.send(new PutObjectCommand({ Bucket: bucket.name, Key: key, Body: `${lines.join('\n')}\n` })),
    );
  }
  await Promise.all(puts);

  const { document, baseDir } = await loadDocument(`${here}/demo.tributary.json`);
  const config = validateConfig(document, {
    baseDir,
    variables: {
      STREAMS_ENDPOINT: streams.endpoints.s3 ?? '',
      KINESIS_ENDPOINT: streams.endpoints.kinesis ?? '',
      EVENTS_ENDPOINT: eventsAws.endpoints.eventbridge ?? '',
      ACCESS_KEY_ID:
        streams.connectionConfig.auth.mode === 'access-key'
          ? streams.connectionConfig.auth.accessKeyId
          : 'test',
      BUCKET: bucket.name,
      QUEUE_URL: ordersQueue.url,
      TOPIC_ARN: topic.arn,
      STREAM: stream.name,
      BUS: bus.name,
    },
    processEnv: { ...process.env, TRIBUTARY_DEMO_AWS_SECRET: secretOf(streams) },
  });
  log('running workflow route-events (S3 -> transform -> SQS | SNS->SQS | Kinesis | EventBridge->SQS)...');
  const engine = new Engine(config);
  const started = Date.now();
  const run = await engine.run();
  const timer = onProgress
    ? setInterval(() => {
        const p = run.progress()[0];
        if (p) onProgress(p, Date.now() - started);
      }, 500)
    : undefined;
  let result: Awaited<typeof run.done>;
  try {
    result = await run.done;
  } finally {
    if (timer) clearInterval(timer);
  }
  const seconds = (Date.now() - started) / 1000;
  const workflow = result.workflows[0] as WorkflowProgress;
  if (onProgress) onProgress(workflow, Date.now() - started);

  log('reading everything back...');
  const reader = streams.connection({ name: 'Reader' });
  const eventsReader = eventsAws.connection({ name: 'EventsReader' });
  const [orders, eu, audit, alerts] = await Promise.all([
    readQueueIds(reader, ordersQueue.url, bodyId, { expected: expected.orders.size }),
    readQueueIds(reader, euQueue.url, bodyId, { expected: expected['eu-fanout'].size }),
    readStreamIds(reader, stream.name, bodyId, { expected: expected['audit-stream'].size }),
    readQueueIds(eventsReader, alertQueue.url, bodyId, { expected: expected.alerts.size, receivers: 2 }),
  ]);
  const row = (sink: DemoSink, via: string, got: Set<string>): DemoRow => {
    const want = expected[sink];
    const written = workflow.sinks[sink]?.written ?? 0;
    const all = [...want].every((id) => got.has(id));
    return {
      sink,
      via,
      expected: want.size,
      written,
      readBack: got.size,
      passed: all && got.size === want.size && written >= want.size,
    };
  };
  const rows = [
    row('orders', 'SQS', orders),
    row('eu-fanout', 'SNS -> SQS', eu),
    row('audit-stream', 'Kinesis', audit),
    row('alerts', 'EventBridge -> SQS', alerts),
  ];
  const filteredOk = workflow.filtered === expected.filtered.size;
  const passed =
    rows.every((r) => r.passed) &&
    filteredOk &&
    workflow.acked === events &&
    workflow.nacked === 0 &&
    workflow.received === events;
  return {
    events,
    rows,
    workflow,
    seconds,
    eventsPerSecond: Math.round(events / seconds),
    passed,
    backend: streams.backend,
  };
}

/** The summary table the demo prints. */
export function formatSummary(result: DemoResult): string {
  const head = ['sink', 'via', 'expected', 'written', 'read back', 'check'];
  const rows = result.rows.map((r) => [
    r.sink,
    r.via,
    r.expected.toLocaleString('en-US'),
    r.written.toLocaleString('en-US'),
    r.readBack.toLocaleString('en-US'),
    r.passed ? 'passed' : 'FAILED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ');
  const w = result.workflow;
  return [
    '',
    line(head),
    widths.map((n) => '-'.repeat(n)).join('  '),
    ...rows.map(line),
    '',
    `events: ${result.events.toLocaleString('en-US')} read from S3, ${w.acked.toLocaleString('en-US')} acked, ${w.nacked} nacked, ${w.filtered} heartbeats filtered by the transform`,
    `throughput: ${result.eventsPerSecond.toLocaleString('en-US')} events/s end to end (${result.seconds.toFixed(1)} s, backend ${result.backend})`,
    'routing: most events go to SQS and SNS (fast on fauxqs); only 1 in 40 to Kinesis (kinesis-local ~500 records/s)',
    '         and 1 in 400 to EventBridge (moto ~90 events/s), so the demo finishes in about a minute.',
    `verification: ${result.passed ? 'PASSED' : 'FAILED'}`,
    '',
  ].join('\n');
}
