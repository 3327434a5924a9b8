/** What s3.ts and s3-transfer.ts share: the bucket location, sizes, and error shapes. */
import { MloError } from '../../errors.js';

export interface S3Location {
  bucket: string;
  /** '' or a key prefix without leading or trailing slash */
  prefix: string;
}

/** Objects above this size go up in parts and come down in ranges (as the AWS CLI). */
export const MULTIPART_THRESHOLD = 8 << 20;

/** A 404 for the object itself (not for the bucket or an upload id). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  return (
    e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket' && e.name !== 'NoSuchUpload'
  );
}

export function httpStatusOfError(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata
    ?.httpStatusCode;
}

export function corruptLocal(hash: string): MloError {
  return new MloError(
    'INVALID',
    `the local cache's copy of object ${hash} does not match its hash: not uploaded`,
    { hint: 'run `mlo fsck` to find damaged objects, then `mlo add` the data again' },
  );
}

export function corruptRemote(remote: string, hash: string): MloError {
  return new MloError('INVALID', `remote "${remote}" holds a corrupt copy of object ${hash}`, {
    hint: 'push it again from a machine that has it intact',
    details: { hash },
  });
}

export function objectAbsent(remote: string, hash: string): MloError {
  return new MloError('NOT_FOUND', `object ${hash} is not on remote "${remote}"`, {
    details: { hash },
  });
}

/** A body that ended before its Content-Length: retried like a reset. */
export function incompleteBody(): Error {
  const err = new Error('the response body ended early');
  err.name = 'IncompleteBody';
  return err;
}
