import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { TributaryError } from '@tributary/connection';
import type { S3Aws } from './internal/aws.js';
import { isNotFound, wrapAwsError } from './internal/errors.js';

/**
 * Where an {@link s3Source} records the objects it has processed (id `bucket/key` with the ETag it read), so
 * restarts and repeated polls skip them. Implement it to keep checkpoints in a database.
 * @example
 * ```ts
 * s3Source(aws, { bucket: 'in', discovery: 'watch', checkpointStore: fileCheckpoint('/var/lib/app/in.json') });
 * ```
 */
export interface CheckpointStore {
  /** Loads the stored state; called once when a source subscribes. */
  open(signal?: AbortSignal): Promise<void>;
  /** The ETag recorded for an object id (`bucket/key`), or undefined. */
  get(id: string): Promise<string | undefined>;
  /** Records an object as processed with the ETag it had; resolves once durably stored. */
  put(id: string, eTag: string): Promise<void>;
  /** Forgets an object (it was deleted or moved away, so a new object under its key is new data). */
  delete(id: string): Promise<void>;
  /** Resolves once every change made before the call is stored. */
  flush(): Promise<void>;
}

interface Snapshot {
  version: 1;
  objects: Record<string, string>;
}

/** A store that keeps a map in memory and writes the whole snapshot, coalescing writes that overlap. */
class SnapshotStore implements CheckpointStore {
  readonly #objects = new Map<string, string>();
  #opened: Promise<void> | undefined;
  #latest: Promise<void> = Promise.resolve();
  #queued: Promise<void> | undefined;

  constructor(
    private readonly load: (signal?: AbortSignal) => Promise<Snapshot | undefined>,
    private readonly save: ((snapshot: Snapshot) => Promise<void>) | undefined,
  ) {}

  open(signal?: AbortSignal): Promise<void> {
    this.#opened ??= this.load(signal).then(
      (snapshot) => {
        if (snapshot) for (const [id, eTag] of Object.entries(snapshot.objects)) this.#objects.set(id, eTag);
      },
      (error: unknown) => {
        this.#opened = undefined;
        throw error;
      },
    );
    return this.#opened;
  }

  async get(id: string): Promise<string | undefined> {
    return this.#objects.get(id);
  }

  put(id: string, eTag: string): Promise<void> {
    this.#objects.set(id, eTag);
    return this.#schedule();
  }

  delete(id: string): Promise<void> {
    if (!this.#objects.delete(id)) return Promise.resolve();
    return this.#schedule();
  }

  flush(): Promise<void> {
    return this.#latest;
  }

  #schedule(): Promise<void> {
    const save = this.save;
    if (!save) return Promise.resolve();
    if (this.#queued) return this.#queued;
    const write = this.#latest
      .catch(() => {})
      .then(() => {
        this.#queued = undefined;
        return save({ version: 1, objects: Object.fromEntries(this.#objects) });
      });
    this.#queued = write;
    this.#latest = write;
    return write;
  }
}

function parseSnapshot(text: string, where: string): Snapshot {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new TributaryError('SOURCE_FAILED', `Checkpoint ${where} is not valid JSON`, {
      cause,
      details: { checkpoint: where },
      hint: 'restore the file from a backup or delete it to reprocess everything',
    });
  }
  const objects = (value as { objects?: unknown } | null)?.objects;
  if (typeof objects !== 'object' || objects === null) {
    throw new TributaryError('SOURCE_FAILED', `Checkpoint ${where} has no "objects" map`, {
      details: { checkpoint: where },
    });
  }
  const out: Record<string, string> = {};
  for (const [id, eTag] of Object.entries(objects)) if (typeof eTag === 'string') out[id] = eTag;
  return { version: 1, objects: out };
}

/**
 * Checkpoints in memory: repeated polls of one subscription skip processed objects; a restart forgets them.
 * @example
 * ```ts
 * s3Source(aws, { bucket: 'in', discovery: 'watch', checkpointStore: memoryCheckpoint() });
 * ```
 */
export function memoryCheckpoint(): CheckpointStore {
  return new SnapshotStore(async () => undefined, undefined);
}

/**
 * Checkpoints in a local JSON file, written atomically (temporary file, then rename) after each processed
 * object; overlapping writes are coalesced. One process per file.
 * @example
 * ```ts
 * s3Source(aws, { bucket: 'in', checkpointStore: fileCheckpoint('./state/in.json') });
 * ```
 */
export function fileCheckpoint(path: string): CheckpointStore {
  let counter = 0;
  return new SnapshotStore(
    async () => {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new TributaryError('SOURCE_FAILED', `Cannot read checkpoint file ${path}`, {
          cause: error,
          details: { checkpoint: path },
        });
      }
      return parseSnapshot(text, path);
    },
    async (snapshot) => {
      await mkdir(dirname(path), { recursive: true });
      counter += 1;
      const temporary = `${path}.${process.pid}.${counter}.tmp`;
      await writeFile(temporary, JSON.stringify(snapshot));
      await rename(temporary, path);
    },
  );
}

/**
 * Checkpoints in one S3 object (JSON), rewritten after each processed object; overlapping writes are
 * coalesced. One source instance per checkpoint object (for a fleet, use notification mode instead).
 * @example
 * ```ts
 * s3Source(aws, { bucket: 'in', checkpointStore: s3Checkpoint(aws, { bucket: 'state', key: 'in.json' }) });
 * ```
 */
export function s3Checkpoint(aws: S3Aws, location: { bucket: string; key: string }): CheckpointStore {
  const client = (): S3Client => aws.client(S3Client);
  const where = `s3://${location.bucket}/${location.key}`;
  return new SnapshotStore(
    async (signal) => {
      try {
        const response = await client().send(
          new GetObjectCommand({ Bucket: location.bucket, Key: location.key }),
          { abortSignal: signal },
        );
        const text = (await response.Body?.transformToString('utf-8')) ?? '';
        return parseSnapshot(text, where);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw wrapAwsError(error, 'GetObject', where);
      }
    },
    async (snapshot) => {
      try {
        await client().send(
          new PutObjectCommand({
            Bucket: location.bucket,
            Key: location.key,
            Body: JSON.stringify(snapshot),
            ContentType: 'application/json',
          }),
        );
      } catch (error) {
        throw wrapAwsError(error, 'PutObject', where);
      }
    },
  );
}
