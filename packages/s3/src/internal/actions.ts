import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { wrapAwsError } from './errors.js';

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;
/** Largest object CopyObject copies in one request (S3 limit). */
export const MAX_COPY_OBJECT_BYTES = 5 * GiB;

/** `CopySource` of an object: bucket and URL-encoded key. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${encodeURIComponent(key).replaceAll('%2F', '/')}`;
}

/** Destination key of a move: the source prefix replaced by the target prefix. */
export function movedKey(key: string, sourcePrefix: string, targetPrefix: string): string {
  const rest = sourcePrefix && key.startsWith(sourcePrefix) ? key.slice(sourcePrefix.length) : key;
  return `${targetPrefix}${rest}`;
}

interface Location {
  bucket: string;
  key: string;
}

async function send<T>(what: string, resource: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrapAwsError(error, what, resource);
  }
}

/** Copies an object above 5 GiB with UploadPartCopy (parts of at least 512 MiB, at most 10,000). */
export async function multipartCopy(
  client: S3Client,
  from: Location,
  to: Location,
  size: number,
  partConcurrency = 4,
): Promise<void> {
  const where = `s3://${to.bucket}/${to.key}`;
  const head = await send('HeadObject', `s3://${from.bucket}/${from.key}`, () =>
    client.send(new HeadObjectCommand({ Bucket: from.bucket, Key: from.key })),
  );
  const created = await send('CreateMultipartUpload', where, () =>
    client.send(
      new CreateMultipartUploadCommand({
        Bucket: to.bucket,
        Key: to.key,
        ContentType: head.ContentType,
        ContentEncoding: head.ContentEncoding,
        ContentDisposition: head.ContentDisposition,
        CacheControl: head.CacheControl,
        Metadata: head.Metadata,
        StorageClass: head.StorageClass,
      }),
    ),
  );
  const uploadId = created.UploadId;
  const partSize = Math.max(512 * MiB, Math.ceil(size / 10_000));
  const count = Math.ceil(size / partSize);
  const parts: { PartNumber: number; ETag: string | undefined }[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const index = next;
      next += 1;
      const start = index * partSize;
      const end = Math.min(size, start + partSize) - 1;
      const result = await send('UploadPartCopy', where, () =>
        client.send(
          new UploadPartCopyCommand({
            Bucket: to.bucket,
            Key: to.key,
            UploadId: uploadId,
            PartNumber: index + 1,
            CopySource: copySource(from.bucket, from.key),
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        ),
      );
      parts[index] = { PartNumber: index + 1, ETag: result.CopyPartResult?.ETag };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(partConcurrency, count) }, worker));
    await send('CompleteMultipartUpload', where, () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: to.bucket,
          Key: to.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      ),
    );
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: to.key, UploadId: uploadId }))
      .catch(() => {});
    throw error;
  }
}

/** Copies an object (multipart above 5 GiB), then deletes the source. */
export async function moveObject(
  client: S3Client,
  from: Location,
  to: Location,
  size: number | undefined,
): Promise<void> {
  if (from.bucket === to.bucket && from.key === to.key) return;
  if (size !== undefined && size > MAX_COPY_OBJECT_BYTES) {
    await multipartCopy(client, from, to, size);
  } else {
    await send('CopyObject', `s3://${to.bucket}/${to.key}`, () =>
      client.send(
        new CopyObjectCommand({
          Bucket: to.bucket,
          Key: to.key,
          CopySource: copySource(from.bucket, from.key),
          MetadataDirective: 'COPY',
          TaggingDirective: 'COPY',
        }),
      ),
    );
  }
  await deleteObject(client, from);
}

export async function deleteObject(client: S3Client, at: Location): Promise<void> {
  await send('DeleteObject', `s3://${at.bucket}/${at.key}`, () =>
    client.send(new DeleteObjectCommand({ Bucket: at.bucket, Key: at.key })),
  );
}

/** Merges tags into the object's tag set (S3 keeps at most 10). */
export async function tagObject(
  client: S3Client,
  at: Location,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const where = `s3://${at.bucket}/${at.key}`;
  const current = await send('GetObjectTagging', where, () =>
    client.send(new GetObjectTaggingCommand({ Bucket: at.bucket, Key: at.key })),
  );
  const merged = new Map<string, string>();
  for (const tag of current.TagSet ?? []) if (tag.Key !== undefined) merged.set(tag.Key, tag.Value ?? '');
  for (const [key, value] of Object.entries(tags)) merged.set(key, value);
  await send('PutObjectTagging', where, () =>
    client.send(
      new PutObjectTaggingCommand({
        Bucket: at.bucket,
        Key: at.key,
        Tagging: { TagSet: [...merged].map(([Key, Value]) => ({ Key, Value })) },
      }),
    ),
  );
}
