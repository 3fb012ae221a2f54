import { randomBytes } from 'node:crypto';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
} from '@aws-sdk/client-kinesis';
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message as SqsMessage,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsConnection, AwsConnectionConfig, ConnectionContext } from '@tributary/connection';
import { awsConnection } from '@tributary/connection';
import type { AwsService, LocalAwsBackend } from './services.js';

/** A queue made by {@link LocalAws.createQueue}. */
export interface TestQueue {
  name: string;
  /** Keep it exactly as returned: some emulators find queues by the exact URL string. */
  url: string;
  arn: string;
}

/** A topic made by {@link LocalAws.createTopic}. */
export interface TestTopic {
  name: string;
  arn: string;
}

/** A stream made by {@link LocalAws.createStream}, already ACTIVE. */
export interface TestStream {
  name: string;
  arn: string;
}

/** An event bus made by {@link LocalAws.createEventBus}. */
export interface TestEventBus {
  name: string;
  arn: string;
}

/** A role made by {@link LocalAws.createRole}. */
export interface TestRole {
  name: string;
  arn: string;
}

/** Where a {@link LocalAws}'s parts live, as {@link startLocalAws} assembled them. */
export interface LocalAwsParts {
  backend: LocalAwsBackend;
  region: string;
  services: readonly AwsService[];
  endpoints: Partial<Record<AwsService, string>>;
  connectionConfig: AwsConnectionConfig;
  /** Log tail of the process or container that serves a service. */
  logTails: Map<AwsService, () => string>;
  /** Process ids of the emulators started for this instance. */
  pids: readonly number[];
  /** Stops what was started; must not throw. */
  stop: () => Promise<void>;
}

const CLEANUP_STEP_MS = 10_000;

/** `tributary-<kind>-<time>-<random>`: unique across runs, valid for every service's naming rules. */
export function uniqueName(kind: string): string {
  return `tributary-${kind}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/**
 * A local (or external) AWS for a test: endpoints, a ready connection config, helpers that make uniquely
 * named resources (deleted on dispose), and the emulators' log tails. Made by {@link startLocalAws}.
 * @example
 * ```ts
 * await using local = await startLocalAws({ services: ['sqs'] });
 * const queue = await local.createQueue();
 * await local.connection().client(SQSClient).send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'hi' }));
 * expect(await local.drainQueue(queue.url, { expected: 1 })).toHaveLength(1);
 * ```
 */
export class LocalAws implements AsyncDisposable {
  /** Where the services run. */
  readonly backend: LocalAwsBackend;
  readonly region: string;
  /** The services requested (plus `sts`). */
  readonly services: readonly AwsService[];
  /** Endpoint URL per service; absent for real AWS. */
  readonly endpoints: Partial<Record<AwsService, string>>;
  /** Plain connection config (endpoints, path-style S3, access-key auth with a `Secret`), for `awsConnection`. */
  readonly connectionConfig: AwsConnectionConfig;
  /** Process ids of the emulators started for this instance (empty for external and LocalStack). */
  readonly pids: readonly number[];
  readonly #parts: LocalAwsParts;
  readonly #connections: AwsConnection[] = [];
  readonly #cleanups: Array<{ what: string; run: () => Promise<unknown> }> = [];
  readonly #queuePolicies = new Map<string, unknown[]>();
  #admin: AwsConnection | undefined;
  #disposed: Promise<void> | undefined;

  constructor(parts: LocalAwsParts) {
    this.#parts = parts;
    this.backend = parts.backend;
    this.region = parts.region;
    this.services = parts.services;
    this.endpoints = parts.endpoints;
    this.connectionConfig = parts.connectionConfig;
    this.pids = parts.pids;
  }

  /**
   * A new connection to this local AWS, closed on dispose. `overrides` replace top-level config fields.
   * @example
   * ```ts
   * const aws = local.connection({ name: 'Ingest' });
   * ```
   */
  connection(overrides: Partial<AwsConnectionConfig> = {}, context?: ConnectionContext): AwsConnection {
    const connection = awsConnection(
      { ...this.connectionConfig, ...overrides } as AwsConnectionConfig,
      context,
    );
    this.#connections.push(connection);
    return connection;
  }

  /** The connection the helpers use. */
  get #aws(): AwsConnection {
    this.#admin ??= this.connection({ name: 'TestkitHelpers' });
    return this.#admin;
  }

  #track(what: string, run: () => Promise<unknown>): void {
    this.#cleanups.push({ what, run });
  }

  /**
   * Creates an S3 bucket with a unique name; it is emptied and deleted on dispose.
   * @example
   * ```ts
   * const { name } = await local.createBucket();
   * ```
   */
  async createBucket(): Promise<{ name: string }> {
    const s3 = this.#aws.client(S3Client);
    const name = uniqueName('bucket');
    const input: CreateBucketCommandInput = { Bucket: name };
    if (this.region !== 'us-east-1') {
      input.CreateBucketConfiguration = {
        LocationConstraint: this.region as NonNullable<
          CreateBucketCommandInput['CreateBucketConfiguration']
        >['LocationConstraint'],
      };
    }
    await s3.send(new CreateBucketCommand(input));
    this.#track(`bucket ${name}`, async () => {
      for (let page = 0; page < 100; page++) {
        const listed = await s3.send(new ListObjectVersionsCommand({ Bucket: name }), {
          abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
        });
        const objects = [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])]
          .filter((v) => v.Key !== undefined)
          .map((v) => ({ Key: v.Key as string, VersionId: v.VersionId }));
        if (objects.length === 0) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: objects, Quiet: true } }), {
          abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
        });
      }
      await s3.send(new DeleteBucketCommand({ Bucket: name }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      });
    });
    return { name };
  }

  /**
   * Creates an SQS queue with a unique name (`.fifo` when `fifo`); deleted on dispose.
   * @example
   * ```ts
   * const queue = await local.createQueue({ fifo: true, attributes: { ContentBasedDeduplication: 'true' } });
   * ```
   */
  async createQueue(
    options: { fifo?: boolean; attributes?: Record<string, string> } = {},
  ): Promise<TestQueue> {
    const sqs = this.#aws.client(SQSClient);
    const name = `${uniqueName('queue')}${options.fifo ? '.fifo' : ''}`;
    const attributes = { ...(options.attributes ?? {}), ...(options.fifo ? { FifoQueue: 'true' } : {}) };
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const url = created.QueueUrl as string;
    this.#track(`queue ${name}`, () =>
      sqs.send(new DeleteQueueCommand({ QueueUrl: url }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      }),
    );
    const described = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return { name, url, arn: described.Attributes?.QueueArn as string };
  }

  /**
   * Creates an SNS topic with a unique name (`.fifo` when `fifo`); deleted on dispose.
   * @example
   * ```ts
   * const topic = await local.createTopic();
   * ```
   */
  async createTopic(options: { fifo?: boolean } = {}): Promise<TestTopic> {
    const sns = this.#aws.client(SNSClient);
    const name = `${uniqueName('topic')}${options.fifo ? '.fifo' : ''}`;
    const created = await sns.send(
      new CreateTopicCommand({ Name: name, Attributes: options.fifo ? { FifoTopic: 'true' } : {} }),
    );
    const arn = created.TopicArn as string;
    this.#track(`topic ${name}`, () =>
      sns.send(new DeleteTopicCommand({ TopicArn: arn }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      }),
    );
    return { name, arn };
  }

  /** Adds a statement to the queue's policy (kept per queue, so SNS and EventBridge grants add up). */
  async #allowToSend(queue: TestQueue, service: string, sourceArn: string): Promise<void> {
    const statements = this.#queuePolicies.get(queue.url) ?? [];
    statements.push({
      Sid: `Allow${service.split('.')[0]}${statements.length}`,
      Effect: 'Allow',
      Principal: { Service: service },
      Action: 'sqs:SendMessage',
      Resource: queue.arn,
      Condition: { ArnEquals: { 'aws:SourceArn': sourceArn } },
    });
    this.#queuePolicies.set(queue.url, statements);
    await this.#aws.client(SQSClient).send(
      new SetQueueAttributesCommand({
        QueueUrl: queue.url,
        Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) },
      }),
    );
  }

  /**
   * Subscribes a queue to a topic (SNS -> SQS), granting the topic `sqs:SendMessage` in the queue policy.
   * `raw` turns on raw message delivery (the body arrives as published, without the SNS envelope).
   * @example
   * ```ts
   * await local.subscribeQueue(topic.arn, queue, { raw: true });
   * ```
   */
  async subscribeQueue(
    topicArn: string,
    queue: TestQueue,
    options: { raw?: boolean } = {},
  ): Promise<{ subscriptionArn: string }> {
    await this.#allowToSend(queue, 'sns.amazonaws.com', topicArn);
    const subscribed = await this.#aws.client(SNSClient).send(
      new SubscribeCommand({
        TopicArn: topicArn,
        Protocol: 'sqs',
        Endpoint: queue.arn,
        Attributes: options.raw ? { RawMessageDelivery: 'true' } : {},
        ReturnSubscriptionArn: true,
      }),
    );
    return { subscriptionArn: subscribed.SubscriptionArn as string };
  }

  /**
   * Creates a Kinesis stream with a unique name and waits until it is ACTIVE; deleted on dispose.
   * @example
   * ```ts
   * const stream = await local.createStream({ shards: 2 });
   * ```
   */
  async createStream(options: { shards?: number; timeoutMs?: number } = {}): Promise<TestStream> {
    const kinesis = this.#aws.client(KinesisClient);
    const name = uniqueName('stream');
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: options.shards ?? 1 }));
    this.#track(`stream ${name}`, () =>
      kinesis.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      }),
    );
    const deadline = Date.now() + (options.timeoutMs ?? 120_000);
    for (;;) {
      const { StreamDescriptionSummary: summary } = await kinesis.send(
        new DescribeStreamSummaryCommand({ StreamName: name }),
      );
      if (summary?.StreamStatus === 'ACTIVE') return { name, arn: summary.StreamARN as string };
      if (Date.now() > deadline) {
        throw new Error(
          `stream ${name} is still ${summary?.StreamStatus} after ${options.timeoutMs ?? 120_000} ms`,
        );
      }
      await sleep(this.backend === 'external' ? 1000 : 100);
    }
  }

  /**
   * Creates an EventBridge event bus with a unique name; its rules and the bus are deleted on dispose.
   * @example
   * ```ts
   * const bus = await local.createEventBus();
   * ```
   */
  async createEventBus(): Promise<TestEventBus> {
    const events = this.#aws.client(EventBridgeClient);
    const name = uniqueName('bus');
    const created = await events.send(new CreateEventBusCommand({ Name: name }));
    this.#track(`event bus ${name}`, () =>
      events.send(new DeleteEventBusCommand({ Name: name }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      }),
    );
    return { name, arn: created.EventBusArn as string };
  }

  /**
   * Adds a rule on `busName` that sends matching events to `queue` (and grants EventBridge
   * `sqs:SendMessage`). The default pattern matches every event of the queue's account.
   * @example
   * ```ts
   * await local.routeEventsToQueue(bus.name, queue, { source: ['orders'] });
   * ```
   */
  async routeEventsToQueue(
    busName: string,
    queue: TestQueue,
    pattern?: Record<string, unknown> | string,
  ): Promise<{ ruleName: string; ruleArn: string }> {
    const events = this.#aws.client(EventBridgeClient);
    const ruleName = uniqueName('rule');
    const eventPattern =
      typeof pattern === 'string' ? pattern : JSON.stringify(pattern ?? { account: [accountOf(queue.arn)] });
    const rule = await events.send(
      new PutRuleCommand({
        Name: ruleName,
        EventBusName: busName,
        EventPattern: eventPattern,
        State: 'ENABLED',
      }),
    );
    const ruleArn = rule.RuleArn as string;
    this.#track(`rule ${ruleName}`, async () => {
      const abortSignal = AbortSignal.timeout(CLEANUP_STEP_MS);
      await events.send(new RemoveTargetsCommand({ Rule: ruleName, EventBusName: busName, Ids: ['queue'] }), {
        abortSignal,
      });
      await events.send(new DeleteRuleCommand({ Name: ruleName, EventBusName: busName }), { abortSignal });
    });
    await this.#allowToSend(queue, 'events.amazonaws.com', ruleArn);
    const put = await events.send(
      new PutTargetsCommand({
        Rule: ruleName,
        EventBusName: busName,
        Targets: [{ Id: 'queue', Arn: queue.arn }],
      }),
    );
    if ((put.FailedEntryCount ?? 0) > 0) {
      throw new Error(
        `PutTargets failed for rule ${ruleName}: ${put.FailedEntries?.[0]?.ErrorCode ?? 'unknown'}`,
      );
    }
    return { ruleName, ruleArn };
  }

  /**
   * Creates an IAM role with a unique name that principals of `trustedAccount` (default: the connection's
   * own account) may assume; deleted on dispose. For assume-role tests (start with `iam` and `sts`).
   * @example
   * ```ts
   * const role = await local.createRole();
   * local.connection({ auth: { mode: 'assume-role', roleArn: role.arn, source: local.connectionConfig.auth } });
   * ```
   */
  async createRole(options: { trustedAccount?: string } = {}): Promise<TestRole> {
    const account =
      options.trustedAccount ??
      (await this.#aws.client(STSClient).send(new GetCallerIdentityCommand({}))).Account;
    const iam = this.#aws.client(IAMClient);
    const name = uniqueName('role');
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    this.#track(`role ${name}`, () =>
      iam.send(new DeleteRoleCommand({ RoleName: name }), {
        abortSignal: AbortSignal.timeout(CLEANUP_STEP_MS),
      }),
    );
    return { name, arn: created.Role?.Arn as string };
  }

  /**
   * Receives and deletes messages with the plain SDK, for tests that read back what they wrote. With
   * `expected`, waits until that many distinct messages arrived or `timeoutMs` (default 10 s) ran out;
   * without, stops at the first empty receive. Returns the distinct messages (by `MessageId`) in arrival order.
   * @example
   * ```ts
   * const messages = await local.drainQueue(queue.url, { expected: 3 });
   * ```
   */
  async drainQueue(
    url: string,
    options: { expected?: number; timeoutMs?: number } = {},
  ): Promise<SqsMessage[]> {
    const sqs = this.#aws.client(SQSClient);
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const seen = new Map<string, SqsMessage>();
    while (Date.now() < deadline) {
      const remainingMs = deadline - Date.now();
      const received = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: Math.max(0, Math.min(1, Math.floor(remainingMs / 1000))),
          MessageAttributeNames: ['All'],
          MessageSystemAttributeNames: ['All'],
        }),
        { abortSignal: AbortSignal.timeout(remainingMs + 5000) },
      );
      const messages = received.Messages ?? [];
      if (messages.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })),
          }),
        );
      }
      for (const message of messages) {
        const id = message.MessageId ?? `${seen.size}`;
        if (!seen.has(id)) seen.set(id, message);
      }
      if (options.expected === undefined ? messages.length === 0 : seen.size >= options.expected) break;
    }
    return [...seen.values()];
  }

  /**
   * The last lines the emulator serving `service` wrote (all emulators when omitted); '' for external
   * backends. Print it when a test fails.
   * @example
   * ```ts
   * onTestFailed(() => console.log(local.logTail()));
   * ```
   */
  logTail(service?: AwsService): string {
    if (service !== undefined) return this.#parts.logTails.get(service)?.() ?? '';
    const seen = new Set<() => string>();
    const parts: string[] = [];
    for (const [name, tail] of this.#parts.logTails) {
      if (seen.has(tail)) continue;
      seen.add(tail);
      parts.push(`--- ${name} ---\n${tail()}`);
    }
    return parts.join('\n');
  }

  /** Deletes what the helpers made (best effort), closes the connections and stops the emulators. Idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch {
        // best effort: the resource may be gone already, or the emulator down
      }
    }
    await Promise.all(
      this.#connections.map(async (connection) => {
        try {
          await connection.close();
        } catch {
          // best effort
        }
      }),
    );
    await this.#parts.stop();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
