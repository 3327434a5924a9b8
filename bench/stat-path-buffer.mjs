// What building a path string per file costs the stat loop of `mlo status`, against
// one reused buffer holding the path bytes (which Node's fs binding reads up to the
// first NUL). Both call the binding directly, as src/data/stat-triples.ts does; the
// figure says how much a buffer-based loop could save, not what status takes.
//
//   node bench/stat-path-buffer.mjs DIR [rounds]     DIR: a folder of sub-folders of files
//   (bench/data-status.mjs leaves one under bench/out/status/src-N)
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const dir = process.argv[2];
const rounds = Number(process.argv[3] ?? 8);
if (!dir) {
  console.error('usage: node bench/stat-path-buffer.mjs DIR [rounds]');
  process.exit(2);
}
const names = [];
for (const sub of readdirSync(dir).sort())
  for (const f of readdirSync(join(dir, sub)).sort()) names.push(`${sub}/${f}`);
const prefix = `${relative(process.cwd(), dir) || '.'}/`;
const joined = names.join('\0');
const raw = Buffer.from(joined, 'latin1');
const starts = new Int32Array(names.length + 1);
for (let i = 0, at = 0; i < names.length; i++) {
  starts[i] = at;
  at += names[i].length + 1;
  starts[i + 1] = at;
}
const binding = process.binding('fs');
const SIZE = 8;

function strings() {
  let sum = 0;
  for (let i = 0; i < names.length; i++) {
    const r = binding.stat(
      prefix + joined.slice(starts[i], starts[i + 1] - 1),
      false,
      undefined,
      false,
    );
    sum += r[SIZE];
  }
  return sum;
}
// The binding copies the whole buffer per call: size it to the longest path.
let longest = 0;
for (let i = 0; i < names.length; i++) longest = Math.max(longest, starts[i + 1] - 1 - starts[i]);
const path = Buffer.alloc(Buffer.byteLength(prefix, 'latin1') + longest + 1);
const at0 = path.write(prefix, 0, 'latin1');
function buffer() {
  let sum = 0;
  for (let i = 0; i < names.length; i++) {
    let k = at0;
    for (let j = starts[i], end = starts[i + 1] - 1; j < end; j++) path[k++] = raw[j];
    path[k] = 0;
    sum += binding.stat(path, false, undefined, false)[SIZE];
  }
  return sum;
}
if (strings() !== buffer()) throw new Error('the two loops disagree');
const t = { strings: [], buffer: [] };
for (let r = 0; r < rounds; r++)
  for (const [k, f] of r % 2
    ? [
        ['buffer', buffer],
        ['strings', strings],
      ]
    : [
        ['strings', strings],
        ['buffer', buffer],
      ]) {
    const t0 = performance.now();
    f();
    t[k].push(performance.now() - t0);
  }
const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
console.log(`${names.length} files, ${rounds} rounds alternated, one thread (medians)`);
console.log(`path string per file : ${med(t.strings).toFixed(0)} ms`);
console.log(
  `one reused buffer    : ${med(t.buffer).toFixed(0)} ms   ratio ${(med(t.buffer) / med(t.strings)).toFixed(2)}`,
);
