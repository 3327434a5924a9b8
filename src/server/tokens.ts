/**
 * A server's tokens: 256 random bits shown once, stored only as their SHA-256, each
 * with a name (the identity audits record) and a scope. read < write < admin: a
 * token may do what its scope and every lower one allow.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { MloError } from '../errors.js';
import {
  findTokenByHash,
  insertToken,
  listTokens,
  revokeToken,
  touchToken,
  type Store,
  type TokenScope,
} from '../store/index.js';

export const SCOPES: readonly TokenScope[] = ['read', 'write', 'admin'];
export type { TokenScope };

const PREFIX = 'mlo_';
const TOKEN_RE = /^mlo_[A-Za-z0-9_-]{43}$/;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

export interface Identity {
  /** the token's name ("anonymous" for anonymous reads) */
  name: string;
  scope: TokenScope;
  tokenId: number | null;
}

export function scopeAllows(have: TokenScope, need: TokenScope): boolean {
  return SCOPES.indexOf(have) >= SCOPES.indexOf(need);
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function checkScope(scope: string): TokenScope {
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw new MloError('USAGE', `--scope ${scope}: use read, write or admin`);
  }
  return scope as TokenScope;
}

export interface CreatedToken {
  name: string;
  scope: TokenScope;
  /** the secret: shown once, never stored */
  token: string;
}

export function createToken(store: Store, name: string, scope: string): CreatedToken {
  if (!NAME_RE.test(name)) {
    throw new MloError(
      'USAGE',
      `--name ${JSON.stringify(name)}: 1 to 64 letters, digits, '.', '_', '@' and '-'`,
    );
  }
  const s = checkScope(scope);
  const token = PREFIX + randomBytes(32).toString('base64url');
  try {
    insertToken(store, { name, scope: s, hash: hashToken(token), nowMs: Date.now() });
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
      throw new MloError('CONFLICT', `a token named ${name} exists`, {
        hint: `revoke it first: mlo server token revoke --store DIR --name ${name}`,
      });
    }
    throw err;
  }
  return { name, scope: s, token };
}

export interface TokenInfo {
  name: string;
  scope: TokenScope;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function listTokenInfo(store: Store): TokenInfo[] {
  const iso = (ms: number | null): string | null =>
    ms === null ? null : new Date(ms).toISOString();
  return listTokens(store).map((t) => ({
    name: t.name,
    scope: t.scope,
    createdAt: new Date(t.created_ms).toISOString(),
    lastUsedAt: iso(t.last_used_ms),
    revokedAt: iso(t.revoked_ms),
  }));
}

export function revokeTokenByName(store: Store, name: string): void {
  if (!revokeToken(store, name, Date.now())) {
    throw new MloError('NOT_FOUND', `no live token named ${name}`);
  }
}

/** How often a token's last use is written (not on every request). */
const TOUCH_EVERY_MS = 60_000;

/**
 * Verifies bearer tokens against the store. Looking up by hash reveals nothing about
 * the secret; the stored hash is still compared in constant time.
 */
export class TokenVerifier {
  private readonly touched = new Map<number, number>();
  constructor(private readonly store: Store) {}

  /** The identity of a presented token, or undefined when it is not a live token. */
  verify(token: string): Identity | undefined {
    if (!TOKEN_RE.test(token)) return undefined;
    const hash = hashToken(token);
    const row = findTokenByHash(this.store, hash);
    if (!row) return undefined;
    const a = Buffer.from(row.hash, 'hex');
    const b = Buffer.from(hash, 'hex');
    if (a.length !== b.length || !timingSafeEqual(a, b)) return undefined;
    const now = Date.now();
    // bounded by the number of live tokens: only verified tokens get an entry
    if (now - (this.touched.get(row.id) ?? 0) > TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      try {
        touchToken(this.store, row.id, now);
      } catch {
        // a busy store must not fail the request over a last-used stamp
      }
    }
    return { name: row.name, scope: row.scope, tokenId: row.id };
  }
}
