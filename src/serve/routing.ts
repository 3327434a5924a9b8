/**
 * Canary routing: a request goes to the canary when a hash of its request id falls in
 * the canary's share, so the same id (a client's retry) always lands on the same
 * version, and no state is kept per client.
 */
import { randomUUID } from 'node:crypto';
import { MloError } from '../errors.js';
import { parseModelRef } from '../registry/index.js';

export interface CanarySpec {
  /** NAME, NAME@VERSION or NAME@ALIAS */
  ref: string;
  /** share of requests, 0 < percent < 100 */
  percent: number;
}

/** `NAME@REF:PCT` → reference and share (PCT may have decimals: `churn@4:2.5`). */
export function parseCanary(text: string): CanarySpec {
  const at = text.lastIndexOf(':');
  const pctText = at < 0 ? '' : text.slice(at + 1).replace(/%$/, '');
  const percent = Number(pctText);
  if (
    at < 0 ||
    pctText.trim() === '' ||
    !Number.isFinite(percent) ||
    percent <= 0 ||
    percent >= 100
  ) {
    throw new MloError('USAGE', `--canary "${text}": expected NAME@REF:PCT with 0 < PCT < 100`, {
      hint: 'for example --canary churn@challenger:10 sends 10% of requests to churn@challenger',
    });
  }
  const ref = text.slice(0, at);
  parseModelRef(ref);
  return { ref, percent };
}

/** FNV-1a (32 bit) of the id's UTF-16 code units: fast, stable, evenly spread. */
export function hashRequestId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** True when the request with this id goes to a canary taking `percent` of traffic. */
export function goesToCanary(requestId: string, percent: number): boolean {
  // 10,000 buckets: shares down to 0.01% are honoured
  return hashRequestId(requestId) % 10_000 < Math.round(percent * 100);
}

const MAX_ID_LENGTH = 200;

/** The client's x-request-id, or a fresh one; an unusable id is a 400. */
export function requestIdOf(header: string | string[] | undefined): string {
  if (header === undefined || header === '') return randomUUID();
  const id = Array.isArray(header) ? header[0] : header;
  if (id.length > MAX_ID_LENGTH) {
    throw new MloError(
      'INVALID',
      `x-request-id is ${id.length} characters long; the limit is ${MAX_ID_LENGTH}`,
    );
  }
  return id;
}
