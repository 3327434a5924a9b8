/** Big exact profiles (baseline create --exact-limit): bulk copies and the sampled deflate decision. */
import { describe, expect, it } from 'vitest';
import {
  decodeProfile,
  encodeProfile,
  profileNumeric,
  type NumericProfile,
} from '../../../src/monitor/profile/index.js';
import { integers, normals } from './helpers.js';

describe('encodeProfile on big exact profiles', () => {
  it('round-trips 400,000 continuous values bit for bit, left uncompressed', () => {
    const p = profileNumeric(normals(400_000, 3, 5, 2), { exactLimit: 400_000 });
    const bytes = encodeProfile(p);
    // a 3.2 MB body of sorted doubles: deflate would save ~20%, not worth its time
    expect(bytes[5]).toBe(0);
    const back = decodeProfile(bytes) as NumericProfile;
    expect(back.values).toEqual(p.values);
    expect([back.mean, back.std, back.min, back.max]).toEqual([p.mean, p.std, p.min, p.max]);
  });

  it('deflates 400,000 integers and reads them back from an odd byte offset', () => {
    const p = profileNumeric(integers(400_000, 4, 50), { exactLimit: 400_000 });
    const bytes = encodeProfile(p);
    expect(bytes[5]).toBe(1);
    expect(bytes.length).toBeLessThan(400_000);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const back = decodeProfile(shifted.subarray(3)) as NumericProfile;
    expect(back.values).toEqual(p.values);
    expect(back.distinct).toEqual(p.distinct);
  });
});
