// npm run demo: examples/churn end to end in a temporary directory, narrated with the
// commands a user would type. Data versioning → pipeline → a second experiment →
// registry → gated promotion → serving with prediction logging → drift found in the
// logged traffic → a pull-request report.
//
//   node scripts/demo.mjs [--dir DIR] [--quiet]
//
// --quiet prints only the narration and the commands, not their output (the test uses
// it). Every command must end with the exit code the narration expects, else the demo
// stops with that command's output and exit 1.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { dir: { type: 'string' }, quiet: { type: 'boolean', default: false } },
});
const root = new URL('..', import.meta.url).pathname;
const bin = join(root, 'bin/mlo.js');
if (!existsSync(join(root, 'dist/cli.js'))) {
  console.error('error: mlo is not built; run `npm run build:fast` (npm run demo does)');
  process.exit(2);
}
const dir = args.dir ? resolve(args.dir) : mkdtempSync(join(tmpdir(), 'mlo-demo-'));
const started = Date.now();
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

// The example ships without data: the generator writes it, seeded, in about a second.
cpSync(join(root, 'examples/churn'), dir, { recursive: true });
// children find the running mlo's library through MLO_LIB when mlo starts them; the
// demo's own `node` steps are started by mlo too (mlo exec), so nothing is installed
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
delete env.MLO_RUN_ID;
delete env.MLO_LOG;

function step(title, why) {
  console.log(`\n${bold(`▸ ${title}`)}`);
  if (why) console.log(dim(`  ${why}`));
}

/** Run one command in the project; `expect` is the exit code the narration promises (null: any). */
function sh(line, { expect = 0, show = true } = {}) {
  console.log(`\n$ ${line}`);
  const [cmd, ...rest] = splitLine(line);
  const r = spawnSync(
    cmd === 'mlo' ? process.execPath : cmd,
    cmd === 'mlo' ? [bin, ...rest] : rest,
    {
      cwd: dir,
      env,
      encoding: 'utf8',
    },
  );
  const output = (r.stdout ?? '') + (r.stderr ?? '');
  if (expect !== null && r.status !== expect) {
    process.stdout.write(output);
    console.error(
      `\ndemo: \`${line}\` exited ${r.status}, expected ${expect}; project kept in ${dir}`,
    );
    process.exit(1);
  }
  if (show && !args.quiet) process.stdout.write(indent(output));
  return r.stdout;
}

/** Split on spaces, keeping "double-quoted words" together (all the demo needs). */
function splitLine(line) {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

const indent = (text) => text.replace(/^(?=.)/gm, '  ').replace(/([^\n])$/, '$1\n');

/** `mlo serve` in the background; resolves with its URL once it listens. */
function startServer(line) {
  console.log(`\n$ ${line} &`);
  const child = spawn(process.execPath, [bin, ...splitLine(line).slice(1)], { cwd: dir, env });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolveUrl, reject) => {
    const poll = setInterval(() => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearInterval(poll);
        if (!args.quiet) process.stdout.write(indent(out));
        resolveUrl({
          url: m[1],
          stop: () =>
            new Promise((done) => {
              const before = out.length;
              child.once('exit', (code) => {
                if (!args.quiet) process.stdout.write(indent(out.slice(before)));
                done(code);
              });
              child.kill('SIGTERM');
            }),
        });
      }
    }, 25);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`mlo serve exited ${code} before listening:\n${out}`));
    });
  });
}

function setParam(from, to) {
  const file = join(dir, 'params.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(from, to));
}

console.log(bold(`mlo demo: the churn example in ${dir}`));

step('A project under git, with mlo', "all of mlo's state lives in .mlo/ inside the repository");
sh('git init -q -b main');
sh('git config user.email demo@example.com');
sh('git config user.name demo');
sh('mlo init');

step(
  'Version the raw data',
  "a year of customers and next month's unlabelled batch, generated from a seed",
);
sh('node src/generate.mjs');
sh('mlo add data/customers.csv data/next_month.csv');
sh('git add -A');
sh('git commit -q -m "churn project with versioned data"');
sh('mlo status');

const registerLatestTrain = () => {
  const runs = sh('mlo runs list --filter "name = \'train\'" --sort start:desc --limit 1 --json', {
    show: false,
  });
  const run = JSON.parse(runs).runs[0].id.slice(0, 8);
  console.log(dim(`  (the newest train run: ${run})`));
  sh(
    `mlo model register churn models/churn.onnx --run ${run} --baseline-data data/prepared/train.csv --target churned`,
  );
};

step(
  'Run the pipeline',
  'prepare (validate, split by time) → train (ONNX) → evaluate; each stage is a tracked run',
);
sh('mlo repro');
sh('mlo repro');
sh('git add -A');
sh('git commit -q -m "logistic regression baseline"');

step(
  'Register the model',
  'the registry keeps lineage: the run, the commit, the data hashes it trained on',
);
registerLatestTrain();

step(
  'Try another model',
  'gradient-boosted trees instead; only the stages that depend on the change re-run',
);
setParam('model: logistic', 'model: gbt');
console.log(dim('  (params.yaml: train.model: logistic → gbt)'));
sh('mlo repro');
sh('mlo params diff');
sh('mlo metrics diff');
sh('mlo runs list --filter "name = \'train\'" --sort start:desc');
registerLatestTrain();
sh('mlo model show churn@2');

step(
  'Promote through the gates in mlo.yaml',
  'metrics, a validation suite, per-region fairness, latency and drift must pass',
);
sh('mlo validate data/prepared/holdout.csv --suite holdout');
sh('mlo promote churn@1 --to champion');
const second = JSON.parse(
  sh('mlo promote churn@2 --to champion --dry-run --json', { expect: null, show: false }),
);
sh('mlo promote churn@2 --to champion', { expect: second.promoted ? 0 : 1 });
console.log(
  dim(
    second.promoted
      ? '  churn@2 passed every gate and is the champion now'
      : '  exit 1: churn@2 failed a gate, so the champion stays; a CI job would stop here',
  ),
);

step(
  'Serve the champion',
  'settings come from the serve: section of mlo.yaml (port 0 here: any free port)',
);
const server = await startServer('mlo serve --port 0');
sh(`mlo exec --name score-next-month -- node src/send.mjs data/next_month.csv --url ${server.url}`);
if (hasCurl()) sh(`curl -s ${server.url}/v2/models/churn`);
await server.stop();

step(
  'Is next month like the training data?',
  "the server logged every prediction; compare them with the model's baseline",
);
sh(
  'mlo drift check --model churn@champion --predictions --html drift-report.html --fail-on-drift',
  {
    expect: 1,
  },
);
console.log(
  dim('  exit 1: dataset drift; the HTML report shows each feature, reference vs current'),
);

step(
  'A summary for the pull request',
  'metrics and params against the last commit, validation, gates and drift',
);
if (spawnSync(process.execPath, [bin, 'report', '--help']).status === 0) {
  sh('mlo report --since HEAD --out report.md', { show: false });
  if (!args.quiet) process.stdout.write(indent(readFileSync(join(dir, 'report.md'), 'utf8')));
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
console.log(`\n${bold('done')} in ${seconds} s`);
console.log(`  project:           ${dir}`);
console.log(`  drift report:      ${join(dir, 'drift-report.html')}`);
console.log(`  pull-request text: ${join(dir, 'report.md')}`);
console.log(`  store:             ${join(dir, '.mlo/mlo.db')} (cache: ${join(dir, '.mlo/cache')})`);
console.log(`  try: cd ${dir} && node ${bin} runs list`);

function hasCurl() {
  return spawnSync('curl', ['--version']).status === 0;
}
