import type { ChildProcess } from 'node:child_process';

export const S3RVER_CREDENTIALS: { accessKeyId: string; secretAccessKey: string };

export interface S3rverHandle {
  port: number;
  endpoint: string;
  directory: string;
  child: ChildProcess;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export function startS3rver(options: {
  directory: string;
  port?: number;
  buckets?: string[];
}): Promise<S3rverHandle>;

export function s3Env(
  extra?: Record<string, string | undefined>,
): Record<string, string | undefined>;
