/** Reading the UI API's query strings: one clear USAGE error per bad parameter. */
import { MloError } from '../errors.js';

export function intParam(
  q: URLSearchParams,
  name: string,
  dflt: number,
  min: number,
  max: number,
): number {
  const raw = q.get(name);
  if (raw === null || raw === '') return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new MloError(
      'USAGE',
      `${name} must be a whole number from ${min} to ${max}, got "${raw}"`,
    );
  }
  return n;
}

/** A list given as repeated parameters (`col=a&col=b`) or comma-separated in one. */
export function listParam(
  q: URLSearchParams,
  name: string,
  options: { commas?: boolean } = {},
): string[] {
  const all = q.getAll(name);
  const parts = options.commas === false ? all : all.flatMap((v) => v.split(','));
  return parts.map((s) => s.trim()).filter(Boolean);
}

export function requireParam(q: URLSearchParams, name: string): string {
  const v = q.get(name);
  if (v === null || v.trim() === '')
    throw new MloError('USAGE', `the ${name} parameter is required`);
  return v;
}
