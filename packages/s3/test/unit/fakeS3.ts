import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';

export interface FakeObject {
  body: Buffer;
  eTag: string;
  lastModified: Date;
  contentEncoding?: string;
  contentType?: string;
  metadata?: Record<string, string>;
  tags?: Record<string, string>;
}

const notFound = (name: string): Error =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: 404 }, $fault: 'client' });

/** An in-memory bucket behind aws-sdk-client-mock: List, Get, Head, Put, Copy, Delete, tagging. */
export class FakeS3 {
  readonly mock = mockClient(S3Client);
  readonly objects = new Map<string, FakeObject>();
  /** Multipart uploads in progress, by UploadId. */
  readonly uploads = new Map<
    string,
    { bucket: string; key: string; parts: Map<number, Buffer>; params: Record<string, unknown> }
  >();
  /** Params of every completed object write (PutObject or CreateMultipartUpload), by key. */
  readonly writeParams = new Map<string, Record<string, unknown>>();
  gets = 0;
  #uploadIds = 0;

  constructor() {
    this.install();
  }

  put(bucket: string, key: string, body: string | Buffer, extra: Partial<FakeObject> = {}): FakeObject {
    const data = typeof body === 'string' ? Buffer.from(body) : body;
    const object: FakeObject = {
      body: data,
      eTag: createHash('md5').update(data).digest('hex'),
      lastModified: new Date(),
      ...extra,
    };
    this.objects.set(`${bucket}/${key}`, object);
    return object;
  }

  keys(bucket: string): string[] {
    return [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/`))
      .map((id) => id.slice(bucket.length + 1))
      .sort();
  }

  install(): void {
    this.mock.reset();
    this.mock
      .on(ListObjectsV2Command)
      .callsFake(
        async (input: {
          Bucket: string;
          Prefix?: string;
          Delimiter?: string;
          MaxKeys?: number;
          ContinuationToken?: string;
        }) => {
          const prefix = input.Prefix ?? '';
          let keys = this.keys(input.Bucket).filter((k) => k.startsWith(prefix));
          if (input.Delimiter)
            keys = keys.filter((k) => !k.slice(prefix.length).includes(input.Delimiter as string));
          const start = input.ContinuationToken ? Number(input.ContinuationToken) : 0;
          const max = input.MaxKeys ?? 1000;
          const page = keys.slice(start, start + max);
          const truncated = start + max < keys.length;
          return {
            Contents: page.map((key) => {
              const o = this.objects.get(`${input.Bucket}/${key}`) as FakeObject;
              return {
                Key: key,
                Size: o.body.length,
                ETag: `"${o.eTag}"`,
                LastModified: o.lastModified,
                StorageClass: 'STANDARD',
              };
            }),
            IsTruncated: truncated,
            NextContinuationToken: truncated ? String(start + max) : undefined,
          };
        },
      );
    this.mock.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
      this.gets += 1;
      const o = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!o) throw notFound('NoSuchKey');
      return {
        Body: Readable.from([o.body]),
        ContentLength: o.body.length,
        ETag: `"${o.eTag}"`,
        LastModified: o.lastModified,
        ContentEncoding: o.contentEncoding,
        ContentType: o.contentType,
        Metadata: o.metadata ?? {},
      };
    });
    this.mock.on(HeadObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
      const o = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!o) throw notFound('NotFound');
      return { ContentLength: o.body.length, ETag: `"${o.eTag}"`, Metadata: o.metadata ?? {} };
    });
    this.mock
      .on(PutObjectCommand)
      .callsFake(async (input: { Bucket: string; Key: string; Body: unknown }) => {
        let body: Buffer;
        if (typeof input.Body === 'string') body = Buffer.from(input.Body);
        else if (input.Body instanceof Uint8Array) body = Buffer.from(input.Body);
        else body = Buffer.concat(await (input.Body as Readable).toArray());
        const o = this.put(input.Bucket, input.Key, body);
        this.writeParams.set(input.Key, { ...input, Body: undefined });
        return { ETag: `"${o.eTag}"` };
      });
    this.mock.on(CreateMultipartUploadCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
      this.#uploadIds += 1;
      const id = `upload-${this.#uploadIds}`;
      this.uploads.set(id, { bucket: input.Bucket, key: input.Key, parts: new Map(), params: { ...input } });
      return { UploadId: id, Bucket: input.Bucket, Key: input.Key };
    });
    this.mock
      .on(UploadPartCommand)
      .callsFake(async (input: { UploadId: string; PartNumber: number; Body: unknown }) => {
        const upload = this.uploads.get(input.UploadId);
        if (!upload) throw notFound('NoSuchUpload');
        const body =
          input.Body instanceof Uint8Array
            ? Buffer.from(input.Body)
            : Buffer.concat(await (input.Body as Readable).toArray());
        upload.parts.set(input.PartNumber, body);
        return { ETag: `"part-${input.PartNumber}"` };
      });
    this.mock
      .on(CompleteMultipartUploadCommand)
      .callsFake(
        async (input: { UploadId: string; MultipartUpload: { Parts: { PartNumber: number }[] } }) => {
          const upload = this.uploads.get(input.UploadId);
          if (!upload) throw notFound('NoSuchUpload');
          const body = Buffer.concat(
            input.MultipartUpload.Parts.map((p) => upload.parts.get(p.PartNumber) as Buffer),
          );
          this.uploads.delete(input.UploadId);
          const o = this.put(upload.bucket, upload.key, body);
          this.writeParams.set(upload.key, upload.params);
          return {
            ETag: `"${o.eTag}-${input.MultipartUpload.Parts.length}"`,
            Bucket: upload.bucket,
            Key: upload.key,
          };
        },
      );
    this.mock.on(AbortMultipartUploadCommand).callsFake(async (input: { UploadId: string }) => {
      if (!this.uploads.delete(input.UploadId)) throw notFound('NoSuchUpload');
      return {};
    });
    this.mock
      .on(CopyObjectCommand)
      .callsFake(async (input: { Bucket: string; Key: string; CopySource: string }) => {
        const source = decodeURIComponent(input.CopySource);
        const o = this.objects.get(source);
        if (!o) throw notFound('NoSuchKey');
        this.objects.set(`${input.Bucket}/${input.Key}`, { ...o });
        return { CopyObjectResult: { ETag: `"${o.eTag}"` } };
      });
    this.mock.on(DeleteObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
      this.objects.delete(`${input.Bucket}/${input.Key}`);
      return {};
    });
    this.mock.on(GetObjectTaggingCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
      const o = this.objects.get(`${input.Bucket}/${input.Key}`);
      if (!o) throw notFound('NoSuchKey');
      return { TagSet: Object.entries(o.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) };
    });
    this.mock
      .on(PutObjectTaggingCommand)
      .callsFake(
        async (input: {
          Bucket: string;
          Key: string;
          Tagging: { TagSet: { Key: string; Value: string }[] };
        }) => {
          const o = this.objects.get(`${input.Bucket}/${input.Key}`);
          if (!o) throw notFound('NoSuchKey');
          o.tags = Object.fromEntries(input.Tagging.TagSet.map((t) => [t.Key, t.Value]));
          return {};
        },
      );
  }
}
