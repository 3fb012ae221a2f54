import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import picomatch from 'picomatch';
import { wrapAwsError } from './errors.js';

/** An object as a listing or a notification reports it. */
export interface ObjectRef {
  readonly bucket: string;
  readonly key: string;
  readonly size?: number;
  readonly eTag?: string;
  readonly lastModified?: Date;
  readonly storageClass?: string;
}

/** Removes the quotes S3 puts around ETags. */
export const bareETag = (eTag: string | undefined): string | undefined => eTag?.replace(/^"(.*)"$/, '$1');

/** Which keys a source reads: prefix, subfolders, glob or regex, a code filter, and never the excluded prefixes. */
export function keyMatcher(options: {
  prefix: string;
  includeSubfolders: boolean;
  keyGlob?: string;
  keyRegex?: string;
  keyFilter?: (key: string) => boolean;
  excludedPrefixes: readonly string[];
}): (key: string) => boolean {
  const glob = options.keyGlob ? picomatch(options.keyGlob, { dot: true, basename: true }) : undefined;
  const regex = options.keyRegex ? new RegExp(options.keyRegex) : undefined;
  const { prefix, includeSubfolders, keyFilter, excludedPrefixes } = options;
  return (key) => {
    if (!key.startsWith(prefix)) return false;
    if (key.endsWith('/')) return false;
    if (!includeSubfolders && key.slice(prefix.length).includes('/')) return false;
    if (excludedPrefixes.some((excluded) => excluded !== '' && key.startsWith(excluded))) return false;
    if (glob && !glob(key)) return false;
    if (regex && !regex.test(key)) return false;
    if (keyFilter && !keyFilter(key)) return false;
    return true;
  };
}

/** Pages of a ListObjectsV2 listing, already filtered by `matches`. */
export async function* listPages(
  client: S3Client,
  input: { bucket: string; prefix: string; includeSubfolders: boolean; maxKeys: number },
  matches: (key: string) => boolean,
  signal: AbortSignal,
): AsyncGenerator<ObjectRef[]> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: input.bucket,
          Prefix: input.prefix || undefined,
          Delimiter: input.includeSubfolders ? undefined : '/',
          MaxKeys: input.maxKeys,
          ContinuationToken: token,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw wrapAwsError(error, 'ListObjectsV2', `s3://${input.bucket}/${input.prefix}`);
    }
    const objects: ObjectRef[] = [];
    for (const item of page.Contents ?? []) {
      if (item.Key === undefined || !matches(item.Key)) continue;
      objects.push({
        bucket: input.bucket,
        key: item.Key,
        size: item.Size,
        eTag: bareETag(item.ETag),
        lastModified: item.LastModified,
        storageClass: item.StorageClass,
      });
    }
    yield objects;
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Order of reading. */
export type ObjectOrder = 'key-asc' | 'key-desc' | 'last-modified-asc' | 'last-modified-desc';

const byKey = (a: ObjectRef, b: ObjectRef): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
const time = (o: ObjectRef): number => o.lastModified?.getTime() ?? 0;

/** Sorts objects in place by the given order; ties by key. */
export function sortObjects(objects: ObjectRef[], order: ObjectOrder): ObjectRef[] {
  switch (order) {
    case 'key-asc':
      return objects.sort(byKey);
    case 'key-desc':
      return objects.sort((a, b) => byKey(b, a));
    case 'last-modified-asc':
      return objects.sort((a, b) => time(a) - time(b) || byKey(a, b));
    case 'last-modified-desc':
      return objects.sort((a, b) => time(b) - time(a) || byKey(a, b));
  }
}

/**
 * Stable-time tracking: an object may be read once its size and ETag were seen unchanged for `stableTimeMs`,
 * or once its LastModified is that old (S3 objects only change by being replaced, which sets LastModified).
 */
export class StabilityTracker {
  readonly #seen = new Map<string, { size?: number; eTag?: string; since: number }>();

  constructor(
    private readonly stableTimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the object may be read; 0 when it may be read now. */
  remainingMs(object: ObjectRef): number {
    if (this.stableTimeMs <= 0) return 0;
    const now = this.now();
    if (object.lastModified && now - object.lastModified.getTime() >= this.stableTimeMs) {
      this.#seen.delete(object.key);
      return 0;
    }
    const seen = this.#seen.get(object.key);
    if (!seen || seen.size !== object.size || seen.eTag !== object.eTag) {
      this.#seen.set(object.key, { size: object.size, eTag: object.eTag, since: now });
      return this.stableTimeMs;
    }
    const remaining = this.stableTimeMs - (now - seen.since);
    if (remaining <= 0) {
      this.#seen.delete(object.key);
      return 0;
    }
    return remaining;
  }

  /** Forgets objects not in `keys` (gone from the listing). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#seen.keys()) if (!keys.has(key)) this.#seen.delete(key);
  }

  get pending(): number {
    return this.#seen.size;
  }
}
