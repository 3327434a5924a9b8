/**
 * Redis as the online store, for a fleet of servers reading one set of values. Each
 * (view, entity key) is one string `<event_ms> <created_ms> <encoded values>` under
 * `<prefix><view>:<key>` (codec.ts; Redis strings are binary-safe); a read of several
 * views is one MGET. Writes go through a Lua script that keeps the newer value, a
 * thousand keys per call.
 */
import type { RESP_TYPES as RespTypes } from 'redis';
import { MloError } from '../../errors.js';
import type { KeyKind, OnlineKey, OnlineRecord, OnlineRows, OnlineStore } from './types.js';

// Keep-newest, in the server: event time first, then created time (empty = oldest).
const WRITE_SCRIPT = `
local n = 0
for i, key in ipairs(KEYS) do
  local e = tonumber(ARGV[3 * i - 2])
  local c = tonumber(ARGV[3 * i - 1]) or -math.huge
  local old = redis.call('GET', key)
  local write = true
  if old then
    local oe, oc = string.match(old, '^(%-?%d+) (%S*) ')
    oe = tonumber(oe)
    oc = tonumber(oc) or -math.huge
    if oe ~= nil and (oe > e or (oe == e and oc > c)) then write = false end
  end
  if write then
    redis.call('SET', key, ARGV[3 * i])
    n = n + 1
  end
end
return n
`;

const CHUNK = 1000;

// set on connect, from the lazily loaded module
let RESP_TYPES: typeof RespTypes;

type Client = Awaited<ReturnType<typeof connect>>;

async function connect(url: string) {
  const { createClient } = await import('redis');
  RESP_TYPES = (await import('redis')).RESP_TYPES;
  const client = url.startsWith('unix:')
    ? createClient({
        socket: { path: url.slice('unix:'.length).replace(/^\/\//, ''), reconnectStrategy: false },
      })
    : createClient({ url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
  let failure: unknown;
  client.on('error', (err: unknown) => (failure = err));
  try {
    await client.connect();
  } catch (err) {
    throw new MloError(
      'NOT_FOUND',
      `redis online store ${redactUrl(url)}: cannot connect (${String((err as Error).message ?? failure)})`,
      {
        cause: err,
        hint: 'is redis-server running there? features.online_store.url / url_env in mlo.yaml',
      },
    );
  }
  return client;
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  if (url.startsWith('unix:')) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://?';
  }
}

/** A MATCH pattern that matches the prefix literally. */
const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

export class RedisOnlineStore implements OnlineStore {
  readonly kind = 'redis' as const;
  readonly where: string;
  private scriptSha: string | undefined;

  /** the same connection, answering with Buffers (values are bytes, not text) */
  private readonly bytes;

  private constructor(
    private readonly client: Client,
    url: string,
    private readonly prefix: string,
  ) {
    this.where = redactUrl(url);
    this.bytes = client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
  }

  static async open(url: string, prefix: string): Promise<RedisOnlineStore> {
    return new RedisOnlineStore(await connect(url), url, prefix);
  }

  private keyOf(view: string, key: string): string {
    return `${this.prefix}${view}:${key}`;
  }

  private get metaKey(): string {
    return `${this.prefix}__views`;
  }

  async prepare(view: string, shape: string, _keyKind: KeyKind): Promise<void> {
    const prior = await this.shapeOf(view);
    if (prior !== undefined && prior !== shape) {
      throw new MloError('CONFLICT', `the online store holds view ${view} in another shape`, {
        hint: 'mlo features apply removes values of changed views; run it first',
      });
    }
    await this.client.hSet(this.metaKey, view, shape);
  }

  async write(view: string, rows: OnlineRows): Promise<number> {
    this.scriptSha ??= await this.client.scriptLoad(WRITE_SCRIPT);
    const sha = this.scriptSha;
    const n = rows.keys.length;
    const calls: Promise<unknown>[] = [];
    for (let start = 0; start < n; start += CHUNK) {
      const end = Math.min(n, start + CHUNK);
      const keys: string[] = [];
      const args: (string | Buffer)[] = [];
      for (let i = start; i < end; i++) {
        const e = String(rows.eventMs[i]);
        const c = rows.createdMs[i] === rows.createdMs[i] ? String(rows.createdMs[i]) : '';
        keys.push(this.keyOf(view, rows.keys[i]));
        const head = Buffer.from(`${e} ${c} `, 'latin1');
        args.push(
          e,
          c,
          Buffer.concat([head, rows.buffer.subarray(rows.offsets[i], rows.offsets[i + 1])]),
        );
      }
      // node-redis pipelines calls issued in the same tick
      calls.push(this.client.evalSha(sha, { keys, arguments: args }));
    }
    const counts = await Promise.all(calls);
    return counts.reduce<number>((a, b) => a + Number(b), 0);
  }

  async read(keys: readonly OnlineKey[]): Promise<(OnlineRecord | undefined)[]> {
    if (keys.length === 0) return [];
    const raw = await this.bytes.mGet(keys.map((k) => this.keyOf(k.view, k.key)));
    return raw.map((v) => (v === null ? undefined : parseValue(v)));
  }

  async shapeOf(view: string): Promise<string | undefined> {
    const v = await this.client.hGet(this.metaKey, view);
    return v === null || v === undefined ? undefined : String(v);
  }

  async counts(): Promise<Record<string, number>> {
    const views = Object.keys(await this.client.hGetAll(this.metaKey)).sort();
    const out: Record<string, number> = {};
    for (const v of views) {
      let n = 0;
      for await (const batch of this.client.scanIterator({
        MATCH: `${globEscape(this.keyOf(v, ''))}*`,
        COUNT: 1000,
      }))
        n += batch.length;
      out[v] = n;
    }
    return out;
  }

  async purge(views: readonly string[]): Promise<void> {
    for (const v of views) {
      for await (const batch of this.client.scanIterator({
        MATCH: `${globEscape(this.keyOf(v, ''))}*`,
        COUNT: 1000,
      })) {
        if (batch.length) await this.client.unlink(batch);
      }
      await this.client.hDel(this.metaKey, v);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

function parseValue(v: Buffer): OnlineRecord | undefined {
  const a = v.indexOf(0x20);
  const b = v.indexOf(0x20, a + 1);
  if (a < 0 || b < 0) return undefined;
  const c = v.toString('latin1', a + 1, b);
  return {
    eventMs: Number(v.toString('latin1', 0, a)),
    createdMs: c === '' ? null : Number(c),
    vals: v.subarray(b + 1),
  };
}
