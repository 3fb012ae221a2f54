import {
  AssetRegistry,
  createAssetRegistry,
  defaultRegistry,
  documentJsonSchema,
  validateConfig,
} from '@tributary/engine';
import type { Sink } from '@tributary/stream';
import { EMPTY } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const webhookOptions = z.strictObject({ url: z.url(), timeoutMs: z.number().int().min(1).default(1000) });
const webhookType = {
  type: 'webhook',
  description: 'HTTP POST per message',
  options: webhookOptions,
  create: (): Sink<unknown> => {
    throw new Error('not used');
  },
};

describe('AssetRegistry', () => {
  it('holds the built-in source and sink types', () => {
    // Act
    const registry = createAssetRegistry();
    // Assess
    expect(registry.sourceTypes()).toEqual(['sqs', 's3']);
    expect(registry.sinkTypes()).toEqual(['sqs', 'sns', 'kinesis', 'eventbridge', 's3']);
    expect(defaultRegistry.sink('kinesis')?.description).toMatch(/Kinesis/);
  });

  it('adds a third-party sink type with one call, validated by its own schema', () => {
    // Prepare
    const registry = createAssetRegistry().registerSink(webhookType);
    const doc = {
      connections: [{ name: 'C', region: 'eu-west-1', auth: { mode: 'none' } }],
      sources: [{ name: 'in', type: 'sqs', connection: 'C', queueName: 'q' }],
      sinks: [{ name: 'hook', type: 'webhook', connection: 'C', url: 'not a url' }],
      workflows: [{ name: 'w', source: 'in', routes: [{ sinks: ['hook'] }] }],
    };
    // Act
    const run = () => validateConfig(doc, { registry });
    const fixed = validateConfig(
      { ...doc, sinks: [{ ...doc.sinks[0], url: 'https://example.com/hook' }] },
      { registry },
    );
    // Assess
    expect(run).toThrow(/\/sinks\/0\/url/);
    expect(fixed.sinks.get('hook')?.type).toBe('webhook');
    expect(() => validateConfig(doc)).toThrow(/unknown sink type "webhook"/);
  });

  it('refuses a taken or malformed type name', () => {
    // Prepare
    const registry = new AssetRegistry().registerSink(webhookType);
    // Act + Assess
    expect(() => registry.registerSink(webhookType)).toThrow(/already registered/);
    expect(() => registry.registerSource({ ...webhookType, type: 'Bad Name', create: () => EMPTY })).toThrow(
      /Invalid source type name/,
    );
  });

  it('puts registered types into the document JSON Schema', () => {
    // Prepare
    const registry = createAssetRegistry().registerSink(webhookType);
    // Act
    const schema = JSON.stringify(documentJsonSchema(registry));
    const builtin = documentJsonSchema();
    // Assess
    expect(schema).toContain('"const":"webhook"');
    expect(JSON.stringify(builtin)).not.toContain('"const":"webhook"');
    expect(builtin.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(JSON.stringify(builtin)).toContain('"const":"kinesis"');
    expect(JSON.stringify(builtin)).toContain('partitionKeyField');
  });
});
