import { batchWriterOptions, writerOptionsOf } from '@tributary/stream';
import { describe, expect, it } from 'vitest';

describe('writerOptionsOf', () => {
  it('hands on every set BatchWriter option of a sink’s options and nothing else', () => {
    // Prepare: every writer key set, plus a sink-only key
    const writer = {
      maxBatchEntries: 5,
      maxBatchBytes: 100,
      lingerMs: 7,
      maxConcurrency: 2,
      maxBufferedEntries: 50,
      maxAttempts: 3,
      baseDelayMs: 1,
      maxDelayMs: 9,
      ordered: true,
    };
    // Act
    const sinkOptions = { ...writer, streamName: 'events', lingerMs: 7, maxAttempts: undefined };
    const picked = writerOptionsOf(sinkOptions);
    // Assess
    expect(Object.keys(batchWriterOptions.shape).sort()).toEqual(Object.keys(writer).sort());
    const { maxAttempts: _unset, ...expected } = writer;
    expect(picked).toEqual(expected);
    expect(picked).not.toHaveProperty('streamName');
    expect(picked).not.toHaveProperty('maxAttempts');
  });
});
