/**
 * Failed authentication costs fixed memory: a table of counters indexed by a hash
 * of the client address (collisions share a counter; nothing grows per address),
 * plus one global budget. A client address past its budget, or everyone while the
 * global budget is spent, gets 429 until its window ends, before any token is checked.
 */

/** Counters in the table (two 32-bit words each: window start in s, failures). */
const SLOTS = 16384;

export interface LimiterOptions {
  /** failures one address may make per window */
  perAddress?: number;
  /** failures all addresses together may make per second */
  global?: number;
  windowSeconds?: number;
}

export class FailedAuthLimiter {
  private readonly table = new Uint32Array(SLOTS * 2);
  private readonly perAddress: number;
  private readonly globalLimit: number;
  private readonly window: number;
  private globalSecond = 0;
  private globalCount = 0;

  constructor(options: LimiterOptions = {}) {
    this.perAddress = options.perAddress ?? 30;
    this.globalLimit = options.global ?? 200;
    this.window = options.windowSeconds ?? 60;
  }

  private slot(address: string): number {
    // FNV-1a: cheap and spreads nearby addresses
    let h = 0x811c9dc5;
    for (let i = 0; i < address.length; i++) {
      h ^= address.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return ((h >>> 0) % SLOTS) * 2;
  }

  private now(): number {
    return Math.floor(Date.now() / 1000);
  }

  /** Seconds to wait before trying again, or 0 when the address may try now. */
  retryAfter(address: string): number {
    const now = this.now();
    if (this.globalSecond === now && this.globalCount >= this.globalLimit) return 1;
    const i = this.slot(address);
    const start = this.table[i];
    if (now - start >= this.window) return 0;
    return this.table[i + 1] >= this.perAddress ? start + this.window - now : 0;
  }

  fail(address: string): void {
    const now = this.now();
    if (this.globalSecond !== now) {
      this.globalSecond = now;
      this.globalCount = 0;
    }
    this.globalCount++;
    const i = this.slot(address);
    if (now - this.table[i] >= this.window) {
      this.table[i] = now;
      this.table[i + 1] = 0;
    }
    this.table[i + 1]++;
  }
}
