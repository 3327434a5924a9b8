// The HTTP ceiling for bench/serve.mjs: a bare node:http server that reads the request
// body and answers a fixed JSON body of the size mlo's /predict answers with.
import http from 'node:http';

const body = Buffer.from(
  JSON.stringify({
    predictions: [1],
    probabilities: [[0.2822115421295166, 0.7177884578704834]],
    classes: [0, 1],
    model: 'm',
    version: 1,
    request_id: '5c1e7d4e-53f4-4f8e-a4c3-1f0e9d2b7a61',
  }),
);
const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
