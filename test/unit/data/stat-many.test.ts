/**
 * statMany (data/stat-many.ts) with its real worker thread. The worker script exists
 * only once bundled, so the test bundles this module and the worker with esbuild
 * into a temporary folder and runs them in a child process, the way dist/ runs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SRC = resolve(__dirname, '../../../src/data');
let out: string;

// Makes 10,000 files, then stats them with statMany from a working directory that
// is not their parent, while this thread is kept busy at first so that the worker
// surely takes chunks. Prints whether every triple equals fs.statSync's.
const DRIVER = `
import { mkdirSync, statSync, writeFileSync, utimesSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { statMany } from ${JSON.stringify(join(SRC, 'stat-many.ts'))};
import { warmDataWorker } from ${JSON.stringify(join(SRC, 'data-worker.ts'))};
const [root, cwd] = process.argv.slice(2);
const names = [];
for (let d = 0; d < 10; d++) {
  mkdirSync(join(root, 'd' + d), { recursive: true });
  for (let i = 0; i < 1000; i++) {
    const name = 'd' + d + '/f' + i + (i % 7 ? '' : ' ü');
    writeFileSync(join(root, name), Buffer.alloc(i % 13));
    utimesSync(join(root, name), 1, 1.6e9 + d + i / 1000);
    names.push(name);
  }
}
rmSync(join(root, names[123]));
rmSync(join(root, names[4567])); symlinkSync('nowhere', join(root, names[4567])); rmSync(join(root, names[4568]));
mkdirSync(join(root, names[4568]));
process.chdir(cwd);
const worker = await warmDataWorker();
await new Promise((r) => setTimeout(r, 300));
const got = await statMany(root, names.join('\\0'), {
  meanwhile: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200),
});
let same = got.length === names.length * 3;
for (let i = 0; i < names.length && same; i++) {
  let st;
  try { st = statSync(join(root, names[i]), { throwIfNoEntry: false }); } catch {}
  const want = st?.isFile() ? [st.ino, st.mtimeMs, st.size] : [NaN, NaN, NaN];
  for (let k = 0; k < 3; k++) if (!Object.is(got[3 * i + k], want[k])) same = false;
}
const second = await statMany(root, names.slice(0, 9000).join('\\0'));
console.log(JSON.stringify({ same, usedWorker: worker !== undefined, second: second.length, nan: [123, 4567, 4568].every((i) => Number.isNaN(got[3 * i])) }));
`;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'mlo-statmany-'));
  writeFileSync(join(out, 'driver.ts'), DRIVER);
  await build({
    entryPoints: { driver: join(out, 'driver.ts'), 'data.worker': join(SRC, 'data.worker.ts') },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    // as scripts/build.mjs: CommonJS dependencies of the store code call require()
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
    outdir: join(out, 'dist'),
    logLevel: 'silent',
  });
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('statMany with its worker', () => {
  it('gives statSync triples for 10,000 files shared by two threads, from another working directory', () => {
    for (const cwd of ['/', join(out, 'dist')]) {
      const root = mkdtempSync(join(out, 'tree-'));
      const r = spawnSync(process.execPath, [join(out, 'dist/driver.js'), root, cwd], {
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual({
        same: true,
        usedWorker: true,
        second: 27000,
        nan: true,
      });
    }
  }, 60_000);
});
