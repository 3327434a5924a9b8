import { statSync } from 'node:fs';

/** (ino, mtimeMs, size) per path in one Float64Array; NaN when absent or not a file. */
export function statTriples(paths: readonly string[], from = 0, to = paths.length): Float64Array {
  const out = new Float64Array((to - from) * 3);
  for (let i = from, j = 0; i < to; i++, j += 3) {
    const st = statSync(paths[i], { throwIfNoEntry: false });
    if (st?.isFile()) {
      out[j] = st.ino;
      out[j + 1] = st.mtimeMs;
      out[j + 2] = st.size;
    } else out[j] = out[j + 1] = out[j + 2] = NaN;
  }
  return out;
}
