import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCheckpoint, memoryCheckpoint } from '@tributary/s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AckTracker } from '../../src/internal/tracker.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 's3-checkpoint-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fileCheckpoint', () => {
  it('persists processed objects across store instances', async () => {
    // Prepare
    const path = join(dir, 'nested', 'cp.json');
    const first = fileCheckpoint(path);
    await first.open();
    // Act
    await first.put('b/k1', 'e1');
    await first.put('b/k2', 'e2');
    await first.delete('b/k2');
    const second = fileCheckpoint(path);
    await second.open();
    // Assess
    expect(await second.get('b/k1')).toBe('e1');
    expect(await second.get('b/k2')).toBeUndefined();
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ version: 1, objects: { 'b/k1': 'e1' } });
  });

  it('coalesces overlapping writes and stores the last state', async () => {
    // Prepare
    const path = join(dir, 'cp.json');
    const store = fileCheckpoint(path);
    await store.open();
    // Act
    await Promise.all(Array.from({ length: 200 }, (_, i) => store.put(`b/k${i}`, `e${i}`)));
    await store.flush();
    // Assess
    const stored = JSON.parse(await readFile(path, 'utf8')) as { objects: Record<string, string> };
    expect(Object.keys(stored.objects)).toHaveLength(200);
  });

  it('starts empty without a file and refuses a corrupt one', async () => {
    // Prepare
    const missing = fileCheckpoint(join(dir, 'none.json'));
    const corruptPath = join(dir, 'bad.json');
    await writeFile(corruptPath, '{not json');
    // Act
    await missing.open();
    const error = await fileCheckpoint(corruptPath)
      .open()
      .catch((e: unknown) => e);
    // Assess
    expect(await missing.get('b/k')).toBeUndefined();
    expect(error).toMatchObject({ code: 'SOURCE_FAILED' });
  });
});

describe('memoryCheckpoint', () => {
  it('records and forgets objects', async () => {
    const store = memoryCheckpoint();
    await store.open();
    await store.put('b/k', 'e');
    expect(await store.get('b/k')).toBe('e');
    await store.delete('b/k');
    expect(await store.get('b/k')).toBeUndefined();
  });
});

describe('AckTracker (ack aggregation)', () => {
  it('settles once, after sealing and every decision, with the first failure', async () => {
    // Prepare
    const outcomes: unknown[] = [];
    const tracker = new AckTracker(async (outcome) => {
      outcomes.push(outcome);
    });
    tracker.add();
    tracker.add();
    // Act
    await tracker.decide(true);
    await tracker.decide(false, 'first');
    const beforeSeal = outcomes.length;
    await tracker.seal();
    await tracker.seal();
    // Assess
    expect(beforeSeal).toBe(0);
    expect(outcomes).toEqual([{ ok: false, reason: 'first' }]);
  });

  it('settles an empty unit when sealed, and lets the last decision await the settlement', async () => {
    // Prepare
    let done = false;
    const empty = new AckTracker(async () => {});
    const tracker = new AckTracker(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      done = true;
    });
    tracker.add();
    await tracker.seal();
    // Act
    await empty.seal();
    await tracker.decide(true);
    // Assess
    expect(empty.settled).toBeDefined();
    expect(done).toBe(true);
  });
});
