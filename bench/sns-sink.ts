// snsSink vs a tuned raw-SDK PublishBatch loop (same batch size and concurrency), in one run:
//  1. throughput against the same local SNS endpoint (a fresh topic per contender and round, no subscribers;
//     each contender in a long-lived process of its own, contenders taking turns), with the raw loop a second
//     time in a process of its own as a control; then the raw loop, the sink and the raw loop again taking turns
//     in one process;
//  2. client CPU per message with a stub request handler and no network (the SDK's own cost is the baseline),
//     each measurement in its own child process;
//  3. peak RSS of each contender's process in section 1.
// Usage (after pnpm build): node bench/sns-sink.ts
// Environment: BENCH_SNS_MESSAGES (throughput, per contender and round, default 20000; 0 skips it),
// BENCH_SNS_CPU_MESSAGES (default 100000), BENCH_SNS_ROUNDS (default 2), TRIBUTARY_LOCAL_AWS,
// BENCH_INSTRUCTIONS=1 (also counts the CPU section's instructions under valgrind: slow, see _harness.ts),
// BENCH_NETWORK_INSTRUCTIONS=1 (also counts the sink's and the raw loop's instructions over the network: very slow),
// BENCH_WARM_UP_MESSAGES (each contender's warm-up before its first round, default 400000).

import { PublishBatchCommand, type PublishBatchRequestEntry, SNSClient } from '@aws-sdk/client-sns';
import type { AwsConnection } from '@tributary/connection';
import { snsSink } from '@tributary/sns';
import type { BatchWriter } from '@tributary/stream';
import {
  backoff,
  compareCpu,
  cpuChildSide,
  inBatches,
  requestText,
  stubClientConfig,
  stubConnection,
  stubResponse,
  throughOneSink,
  throughputRounds,
  writeAll,
} from './_harness.ts';

const MESSAGES = Number(process.env.BENCH_SNS_MESSAGES ?? 20_000);
const CPU_MESSAGES = Number(process.env.BENCH_SNS_CPU_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_SNS_ROUNDS ?? 2);
const BATCH = 10;
const CONCURRENCY = 8;
const WINDOW = BATCH * CONCURRENCY * 4;

interface Alert {
  alertId: string;
  n: number;
  pad: string;
}
const alerts: Alert[] = Array.from({ length: Math.max(MESSAGES, CPU_MESSAGES) }, (_, n) => ({
  alertId: `alert-${n}`,
  n,
  pad: 'x'.repeat(180),
}));

/** A tuned raw loop: CONCURRENCY workers, each sending full batches and resending only failed entries. */
async function rawLoop(client: SNSClient, topicArn: string, count: number): Promise<void> {
  await inBatches(count, BATCH, CONCURRENCY, async (start, end) => {
    let entries: PublishBatchRequestEntry[] = [];
    for (let i = start; i < end; i++) {
      entries.push({ Id: String(i - start), Message: JSON.stringify(alerts[i]) });
    }
    for (let attempt = 1; entries.length > 0; attempt++) {
      const out = await client.send(
        new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
      );
      if (!out.Failed?.length) break;
      const failed = new Set(out.Failed.map((f) => f.Id));
      entries = entries.filter((e) => failed.has(e.Id));
      await backoff(attempt);
    }
  });
}

function newSink(aws: AwsConnection, topicArn: string): BatchWriter<Alert> {
  return snsSink<Alert>(aws, {
    topicArn,
    maxConcurrency: CONCURRENCY,
    maxBufferedEntries: WINDOW,
    lingerMs: 5,
  });
}

function writeThrough(sink: BatchWriter<Alert>, count: number): Promise<void> {
  return writeAll(count, (i) => sink.write({ body: alerts[i] as Alert }), WINDOW);
}

// --- 1. Throughput against the local endpoint ----------------------------------------------------------------
if (MESSAGES > 0 && cpuChildSide === undefined) {
  // Loaded here, not at the top: the CPU children (section 2) must not load the testkit and the SDK clients it
  // imports, which change how V8 collects garbage in the measured process (see the package README).
  const { startLocalAws } = await import('@tributary/testkit');
  await using local = await startLocalAws({ services: ['sns'] });
  const aws = local.connection();
  const client = aws.client(SNSClient);
  console.log(
    `backend ${local.backend}, ${MESSAGES} messages of ~220 B per run, batch ${BATCH}, concurrency ${CONCURRENCY}, ${ROUNDS} rounds`,
  );
  const best = await throughputRounds({
    messages: MESSAGES,
    rounds: ROUNDS,
    unit: 'messages/s',
    local,
    warmUpMessages: 400_000,
    countInstructions: ['sink', 'raw'],
    target: async () => (await local.createTopic()).arn,
    ratios: [
      ['sink', 'raw'],
      ['rawAgain', 'raw'],
    ],
    sameProcess: ['raw', 'sink', 'rawAgain'],
    contenders: [
      ['raw', (arn) => rawLoop(client, arn, MESSAGES)],
      ['rawAgain', (arn) => rawLoop(client, arn, MESSAGES)],
      [
        'sink',
        async (arn) => {
          await using sink = newSink(aws, arn);
          await writeThrough(sink, MESSAGES);
        },
      ],
    ],
  });
  console.log(
    `throughput: raw ${best.raw.toFixed(0)}/s, snsSink ${best.sink.toFixed(0)}/s, ` +
      `ratio ${(best.sink / best.raw).toFixed(2)} (target >= 0.95)`,
  );
}

// --- 2. Client CPU per message, stub request handler ---------------------------------------------------------
{
  // Answers GetTopicAttributes (the sink's start) and every PublishBatch with success for each entry Id sent.
  const xml = (body: string) => stubResponse('text/xml', body);
  const attributes =
    '<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><GetTopicAttributesResult>' +
    '<Attributes><entry><key>TopicArn</key><value>arn:aws:sns:eu-west-1:000000000000:alerts</value></entry></Attributes>' +
    '</GetTopicAttributesResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetTopicAttributesResponse>';
  const client = new SNSClient({
    ...stubClientConfig(async (request) => {
      const form = requestText(request);
      if (form.startsWith('Action=GetTopicAttributes')) return xml(attributes);
      const members: string[] = [];
      for (const match of form.matchAll(/PublishBatchRequestEntries\.member\.\d+\.Id=([^&]*)/g)) {
        members.push(
          `<member><Id>${match[1]}</Id><MessageId>8a5d2a56-1b4c-4d0e-9c43-5f0c2b0f9b1e</MessageId></member>`,
        );
      }
      return xml(
        '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
          `<Successful>${members.join('')}</Successful><Failed/></PublishBatchResult>` +
          '<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishBatchResponse>',
      );
    }),
    cacheMiddleware: true,
  });
  const aws = stubConnection(client);
  const topicArn = 'arn:aws:sns:eu-west-1:000000000000:alerts';
  const count = CPU_MESSAGES - (CPU_MESSAGES % BATCH);
  await compareCpu({
    sinkName: 'snsSink',
    count,
    rounds: ROUNDS,
    raw: () => rawLoop(client, topicArn, count),
    sink: throughOneSink(
      () => newSink(aws, topicArn),
      (sink) => writeThrough(sink, count),
    ),
  });
}
