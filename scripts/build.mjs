// Bundles the CLI and the library with esbuild. Bundling is for start-up time:
// resolving and parsing hundreds of small files from node_modules (zod, yaml,
// commander) costs more than the program's own work for `mlo status`.
// Types come from `tsc -p tsconfig.build.json` (emitDeclarationOnly).
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** Worker entry points (`*.worker.ts`) become their own files beside the bundles. */
function findWorkers(dir, found = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findWorkers(p, found);
    else if (name.endsWith('.worker.ts')) found.push(p);
  }
  return found;
}

const entryPoints = {
  cli: join(root, 'src/cli/main.ts'),
  // the command tree without running it: scripts/gen-docs.mjs walks it
  program: join(root, 'src/cli/program.ts'),
  index: join(root, 'src/index.ts'),
};
for (const w of findWorkers(join(root, 'src'))) {
  const name = basename(w, '.ts');
  // dist/ is flat: two workers with one name would silently overwrite each other.
  if (entryPoints[name])
    throw new Error(`two worker scripts are named ${name}.ts: ${entryPoints[name]} and ${w}`);
  entryPoints[name] = w;
}

rmSync(join(root, 'dist'), { recursive: true, force: true, maxRetries: 3 });
await build({
  entryPoints,
  outdir: join(root, 'dist'),
  // Flat output: every bundle and chunk sits in dist/, so `new URL('./x.worker.js',
  // import.meta.url)` resolves the same from any of them.
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons cannot be bundled; they load from node_modules at run time.
  external: ['better-sqlite3', 'onnxruntime-node', '@duckdb/node-api'],
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  // CommonJS dependencies call require() for node built-ins; give ESM bundles one.
  banner: {
    js: "import { createRequire as __mloCreateRequire } from 'node:module'; const require = __mloCreateRequire(import.meta.url);",
  },
});

// The web UI (`mlo ui`): Preact and uPlot built by Vite into dist/ui, static files the
// package ships. Imported here so `npm run build:fast` (which the tests run) makes it.
const { build: buildUi } = await import('vite');
await buildUi({ configFile: join(root, 'ui/vite.config.mjs') });
