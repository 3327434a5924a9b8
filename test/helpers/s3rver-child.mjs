// Runs s3rver in its own process (started by s3rver.mjs with --openssl-legacy-provider:
// on Node 20, s3rver's listing signs continuation tokens with a cipher OpenSSL 3 hides,
// and listings past 1,000 keys answer 500 without the flag).
// argv: DIRECTORY PORT BUCKET... ; prints {"port":N} on stdout once listening.
import S3rver from 's3rver';

const [directory, port, ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: buckets.map((name) => ({ name })),
});
server.run().then(
  ({ port: bound }) => process.stdout.write(`${JSON.stringify({ port: bound })}\n`),
  (err) => {
    process.stderr.write(`s3rver: ${err?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
// Exit with the parent: a test or bench that dies must not leave a server behind.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
