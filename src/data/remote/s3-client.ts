/**
 * The AWS SDK, loaded only when an S3 remote sends its first request (it costs
 * ~150 ms to import), and configured from the remote's settings. Credentials come
 * from the SDK's standard chain (environment, shared config and credentials files,
 * profiles, SSO, web identity, container and instance roles) unless this machine's
 * .mlo/config.local.yaml names keys.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { RemoteConfig } from '../../repo/index.js';

// eslint-disable-next-line @typescript-eslint/consistent-type-imports -- the lazily loaded module's type
export type S3Sdk = typeof import('@aws-sdk/client-s3');

export interface S3Connection {
  sdk: S3Sdk;
  client: S3Client;
}

/** The region when neither the settings, the environment nor a profile names one. */
const FALLBACK_REGION = 'us-east-1';

export async function connectS3(conf: RemoteConfig, jobs: number): Promise<S3Connection> {
  // The SDK warns on every Node 20 run that its 2027 releases will need Node 22: noise
  // on stderr of every push; mlo's own engines field says what it supports.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const mod = await import('@aws-sdk/client-s3');
  // bundled, the SDK's CommonJS build arrives as the default export
  const sdk = (mod as { default?: S3Sdk }).default ?? mod;
  const make = (region?: string): S3Client =>
    new sdk.S3Client({
      region,
      profile: conf.profile,
      endpoint: conf.endpoint,
      // path style is what self-hosted stores (MinIO, Ceph) expect; AWS prefers the
      // bucket in the host name
      forcePathStyle: conf.path_style ?? conf.endpoint !== undefined,
      credentials:
        conf.access_key_id && conf.secret_access_key
          ? {
              accessKeyId: conf.access_key_id,
              secretAccessKey: conf.secret_access_key,
              sessionToken: conf.session_token,
            }
          : undefined,
      // a bucket in another region than configured answers with a redirect: follow it
      followRegionRedirects: true,
      // The SDK's default CRC32 trailers are not understood by every S3-compatible
      // store (GCS, older MinIO, s3rver). mlo checks sha256 itself, and SigV4 signs the
      // sha256 of every buffered body, which the service verifies.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // mlo retries itself (retry.ts): whole bodies, resets mid-body, and throttling
      maxAttempts: 1,
      requestHandler: {
        connectionTimeout: 10_000,
        // no byte for this long on an open connection: treat it as dead and retry
        requestTimeout: 120_000,
        httpAgent: { keepAlive: true, maxSockets: jobs + 4 },
        httpsAgent: { keepAlive: true, maxSockets: jobs + 4 },
      },
    });
  const configured = conf.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  let client = make(configured);
  if (configured === undefined) {
    try {
      await client.config.region();
    } catch {
      // no region anywhere (a plain MinIO setup): any valid one signs correctly
      client.destroy();
      client = make(FALLBACK_REGION);
    }
  }
  return { sdk, client };
}
