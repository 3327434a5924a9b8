/**
 * Object endpoints: what the http(s) remote speaks (src/data/remote/http.ts), and
 * what a serving replica downloads a model version's bytes with.
 */
import { MloError } from '../../errors.js';
import type { Route } from '../http.js';
import { HASH_RE, type ServerObjectStore } from '../objects.js';

const MAX_HAS = 100_000;

export function objectRoutes(objects: ServerObjectStore): Route[] {
  return [
    {
      name: 'objects_has',
      method: 'POST',
      path: /^\/api\/objects\/has$/,
      scope: 'read',
      body: 16 << 20,
      handle: async (call) => {
        const list = (call.body as { objects?: unknown } | undefined)?.objects;
        if (!Array.isArray(list))
          throw new MloError('INVALID', 'has: {"objects": [{"hash", "size"?}]}');
        if (list.length > MAX_HAS)
          throw new MloError('TOO_LARGE', `has: at most ${MAX_HAS} objects a request`);
        const wanted: { hash: string; size?: number }[] = [];
        for (const o of list as { hash?: unknown; size?: unknown }[]) {
          if (typeof o?.hash !== 'string' || !HASH_RE.test(o.hash))
            throw new MloError('INVALID', 'has: a hash is 64 hex digits');
          wanted.push({ hash: o.hash, size: typeof o.size === 'number' ? o.size : undefined });
        }
        return { json: { present: await objects.has(wanted) } };
      },
    },
    {
      name: 'objects_list',
      method: 'GET',
      path: /^\/api\/objects$/,
      scope: 'read',
      handle: async (call) => {
        const fanout = call.url.searchParams.get('fanout') ?? undefined;
        if (fanout !== undefined && !/^[0-9a-f]{2}$/.test(fanout))
          throw new MloError('USAGE', 'fanout is two hex digits');
        return { json: { objects: await objects.list(fanout) } };
      },
    },
    {
      name: 'objects_get',
      method: 'GET',
      path: /^\/api\/objects\/([0-9a-f]{64})$/,
      scope: 'read',
      handle: async (call) => {
        const [hash] = call.params;
        const o = await objects.open(hash);
        if (!o) throw new MloError('NOT_FOUND', `object ${hash} is not on this server`);
        const body = o.body;
        if (Buffer.isBuffer(body))
          return { bytes: body, headers: { etag: `"${hash}"`, 'cache-control': 'immutable' } };
        call.res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': o.size,
          etag: `"${hash}"`,
          'cache-control': 'immutable',
        });
        await new Promise<void>((resolve, reject) => {
          body.once('error', reject);
          call.res.once('close', () => {
            // a client gone mid-object: release the file or the S3 connection now
            body.destroy();
            resolve();
          });
          body.pipe(call.res);
        });
        return { sent: true };
      },
    },
    {
      name: 'objects_put',
      method: 'PUT',
      path: /^\/api\/objects\/([0-9a-f]{64})$/,
      scope: 'write',
      body: 'raw',
      handle: async (call) => {
        const [hash] = call.params;
        const r = await objects.receive(call.req, hash, call.ctx.maxObjectBytes);
        return { status: r.fresh ? 201 : 200, json: { hash, size: r.size } };
      },
    },
    {
      name: 'objects_delete',
      method: 'POST',
      path: /^\/api\/objects\/delete$/,
      scope: 'admin',
      body: 16 << 20,
      handle: async (call) => {
        const list = (call.body as { hashes?: unknown } | undefined)?.hashes;
        if (!Array.isArray(list) || !list.every((h) => typeof h === 'string' && HASH_RE.test(h))) {
          throw new MloError('INVALID', 'delete: {"hashes": [hash, ...]}');
        }
        return { json: { deleted: await objects.delete(list as string[]) } };
      },
    },
    {
      name: 'objects_epoch',
      method: 'GET',
      path: /^\/api\/objects-epoch$/,
      scope: 'read',
      handle: async () => ({ json: { epoch: await objects.readEpoch() } }),
    },
    {
      name: 'objects_epoch_write',
      method: 'PUT',
      path: /^\/api\/objects-epoch$/,
      scope: 'write',
      body: 4096,
      handle: async (call) => {
        const epoch = (call.body as { epoch?: unknown } | undefined)?.epoch;
        if (typeof epoch !== 'string') throw new MloError('INVALID', 'epoch: {"epoch": "<hex>"}');
        // Below admin this is create-if-absent: clients pushing to a new server at once
        // each propose an epoch, the first one stays, and every one of them is answered
        // with it (they re-read it). Replacing an epoch is gc's, and gc needs admin.
        const current = await objects.readEpoch();
        if (current !== '' && current !== epoch && call.identity.scope !== 'admin') {
          return { json: { epoch: current } };
        }
        await objects.writeEpoch(epoch);
        return { json: { epoch } };
      },
    },
  ];
}
