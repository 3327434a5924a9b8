// The reference for bench/remote-s3.mjs: what a plain program does with the AWS SDK
// at a given concurrency, no checks, no index. Run as its own process, as mlo is.
// usage: node bench/remote-sdk-loop.mjs MODE ENDPOINT BUCKET PREFIX PATH JOBS [KEYS]
//   put-files PATH=directory   PutObject of every file under it
//   get-files PATH=directory   GetObject of the keys put-files printed (saved in KEYS)
//   upload-big PATH=file       lib-storage Upload (8 MiB parts, JOBS parts at once)
//   get-big PATH=file          one GetObject streamed into the file
import { createReadStream, createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const [mode, endpoint, bucket, prefix, path, jobsArg, keysFile] = process.argv.slice(2);
const jobs = Number(jobsArg);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
  requestHandler: { httpAgent: { keepAlive: true, maxSockets: jobs } },
});

function walk(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

async function pool(items, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

if (mode === 'put-files') {
  const files = walk(path);
  await pool(files, (f) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${prefix}/${relative(path, f)}`,
        Body: readFileSync(f),
      }),
    ),
  );
  // the key list for get-files
  console.log(JSON.stringify(files.map((f) => relative(path, f))));
} else if (mode === 'get-files') {
  const keys = JSON.parse(readFileSync(keysFile, 'utf8'));
  const made = new Set();
  await pool(keys, async (k) => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/${k}` }));
    const dest = join(path, k);
    const d = dirname(dest);
    if (!made.has(d)) {
      mkdirSync(d, { recursive: true });
      made.add(d);
    }
    await pipeline(out.Body, createWriteStream(dest));
  });
} else if (mode === 'upload-big') {
  await new Upload({
    client,
    params: { Bucket: bucket, Key: `${prefix}/big`, Body: createReadStream(path) },
    queueSize: jobs,
    partSize: 8 << 20,
  }).done();
} else if (mode === 'get-big') {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}/big` }));
  await pipeline(out.Body, createWriteStream(path));
} else {
  throw new Error(`unknown mode ${mode}`);
}
client.destroy();
