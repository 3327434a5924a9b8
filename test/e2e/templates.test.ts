import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { makeRepo, mlo, parseJson, tempDir, writeTree, type RunResult } from '../helpers/cli.js';

interface InitJson {
  created: boolean;
  template: {
    template: string;
    files: { path: string; action: string }[];
    commands: { run: string; why: string }[];
  };
}

interface PromoteJson {
  promoted: boolean;
  gates: { gate: string | Record<string, unknown>; observed: unknown; passed: boolean }[];
}

const TEMPLATES = {
  classification: { model: 'classifier', target: 'label', metric: 'roc_auc' },
  regression: { model: 'regressor', target: 'price', metric: 'r2' },
} as const;

/** Every file of the project (not .git, not .mlo) with its content. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const rel = relative(dir, join(e.parentPath, e.name));
    if (!e.isFile() || /^\.(git|mlo)(\/|$)/.test(rel)) continue;
    out[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return out;
}

function ok(r: RunResult, what: string): RunResult {
  expect(r.code, `${what}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`).toBe(0);
  return r;
}

/** A README command as typed: mlo commands through the built CLI, the rest through sh. */
function runCommand(dir: string, line: string, extra: string[] = []): RunResult {
  if (line.startsWith('mlo ')) return mlo([...line.slice(4).split(/\s+/), ...extra], { cwd: dir });
  const r = spawnSync('sh', ['-c', line], { cwd: dir, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.each(Object.entries(TEMPLATES))('mlo init --template %s', (name, expected) => {
  it('writes a project whose README commands pass: repro, validate, register, promote', () => {
    const dir = makeRepo({ init: false });
    const init = parseJson<InitJson>(
      ok(mlo(['init', '--template', name, '--json'], { cwd: dir }), 'init'),
    );
    expect(init.created).toBe(true);
    const paths = init.template.files.map((f) => f.path);
    for (const p of ['mlo.yaml', 'params.yaml', 'src/train.mjs', 'src/generate.mjs']) {
      expect(paths).toContain(p);
    }
    expect(paths).toContain('.github/workflows/mlo.yml');
    expect(init.template.files.every((f) => existsSync(join(dir, f.path)))).toBe(true);
    expect(existsSync(join(dir, '.mlo/config.yaml'))).toBe(true);

    // mlo.yaml: the stages, a suite, gates with a validate: and a latency gate, serve
    const config = parseYaml(readFileSync(join(dir, 'mlo.yaml'), 'utf8')) as {
      stages: Record<string, unknown>;
      validation: Record<string, unknown>;
      promotion: { champion: { gates: unknown[]; target: string } };
      drift: unknown;
      serve: unknown;
    };
    expect(Object.keys(config.stages)).toEqual(['generate', 'prepare', 'train', 'evaluate']);
    expect(Object.keys(config.validation)).toEqual(['raw', 'holdout']);
    const gates = config.promotion.champion.gates;
    expect(gates).toContainEqual({ validate: 'holdout' });
    expect(gates.some((g) => typeof g === 'string' && /^p99_ms <=/.test(g))).toBe(true);
    expect(config.promotion.champion.target).toBe(expected.target);
    expect(config.drift).toBeTruthy();
    expect(config.serve).toEqual({
      model: `${expected.model}@champion`,
      port: 8080,
      log_predictions: true,
    });

    // the CI workflow carries the template's names and the steps it promises
    const workflow = readFileSync(join(dir, '.github/workflows/mlo.yml'), 'utf8');
    expect(workflow).toMatch(new RegExp(`^\\s+MODEL: ${expected.model} `, 'm'));
    expect(workflow).toMatch(new RegExp(`^\\s+TARGET: ${expected.target} `, 'm'));
    for (const step of ['mlo repro', 'mlo validate', '--dry-run', 'mlo report --format markdown']) {
      expect(workflow).toContain(step);
    }

    // the README lists exactly the commands init printed; run them as written
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    const commands = init.template.commands.map((c) => c.run);
    for (const c of commands) expect(readme).toContain(c);
    const register = commands.find((c) => c.startsWith('mlo model register '));
    expect(register).toBe(
      `mlo model register ${expected.model} models/model.onnx --baseline-data data/prepared/train.csv --target ${expected.target}`,
    );

    for (const line of commands) {
      if (line === 'mlo serve') continue; // a server: checked by the serve tests
      if (line.includes('--dry-run')) {
        const r = runCommand(dir, line, ['--json']);
        expect(r.code, r.stderr).toBe(0);
        const decision = JSON.parse(r.stdout) as PromoteJson;
        expect(decision.promoted).toBe(false);
        expect(decision.gates.length).toBe(gates.length);
        expect(decision.gates.filter((g) => !g.passed)).toEqual([]);
        // the gate's metric is mlo eval's; metrics.json is evaluate.mjs's own run of the ONNX file
        const holdout = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as Record<
          string,
          number
        >;
        const gate = decision.gates.find((g) => g.gate === gates[0]);
        expect(gates[0]).toMatch(new RegExp(`^${expected.metric} >=`));
        expect(gate?.observed as number).toBeCloseTo(holdout[expected.metric], 3);
        continue;
      }
      ok(runCommand(dir, line), line);
    }

    // both suites pass on the data the pipeline made
    for (const [file, suite] of [
      ['data/raw.csv', 'raw'],
      ['data/prepared/holdout.csv', 'holdout'],
    ]) {
      const r = mlo(['validate', file, '--suite', suite, '--json'], { cwd: dir });
      expect(r.code, r.stdout).toBe(0);
      expect(parseJson<{ success: boolean }>(r).success).toBe(true);
    }

    // registered as the README says, then promoted by its last mlo command
    const shown = parseJson<{ version: number; features: string[]; aliases: string[] }>(
      ok(mlo(['model', 'show', `${expected.model}@champion`, '--json'], { cwd: dir }), 'show'),
    );
    expect(shown.version).toBe(1);
    expect(shown.aliases).toContain('champion');
    const header = readFileSync(join(dir, 'data/prepared/train.csv'), 'utf8').split('\n')[0];
    expect(shown.features).toEqual(header.split(',').filter((c) => c !== expected.target));

    // the README's commit went through, and a second repro has nothing to do
    const again = ok(mlo(['repro'], { cwd: dir }), 'repro again');
    expect(again.stdout).not.toMatch(/^running /m);
  });
});

describe('mlo init --template: refusals', () => {
  it('re-running without --force exits 1 and changes nothing; --force rewrites', () => {
    const dir = makeRepo({ init: false });
    writeTree(dir, { 'README.md': '# my project\n' });
    ok(mlo(['init', '--template', 'classification'], { cwd: dir }), 'init');
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme.startsWith('# my project\n\n<!-- mlo:template start')).toBe(true);
    writeFileSync(join(dir, 'params.yaml'), 'data: {rows: 10, seed: 1}\n'); // the user's edit
    const before = snapshot(dir);

    const r = mlo(['init', '--template', 'classification'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*mlo\.yaml.*params\.yaml/m);
    expect(r.stderr).toMatch(/^hint: .*--force/m);
    expect(snapshot(dir)).toEqual(before);

    // another template over it is refused the same way
    expect(mlo(['init', '--template', 'regression'], { cwd: dir }).code).toBe(1);
    expect(snapshot(dir)).toEqual(before);

    const forced = ok(mlo(['init', '--template', 'regression', '--force'], { cwd: dir }), 'force');
    expect(forced.stdout).toMatch(/params\.yaml \(overwritten\)/);
    expect(readFileSync(join(dir, 'params.yaml'), 'utf8')).toMatch(/model: linear/);
    const after = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(after.match(/<!-- mlo:template start/g)).toHaveLength(1);
    expect(after).toMatch(/^# my project\n/);
    expect(after).toContain('mlo init --template regression');
    expect(after).not.toContain('mlo init --template classification');
  });

  it('one existing file in a new directory: exit 1, and no .mlo/ or other file is made', () => {
    const dir = tempDir();
    writeTree(dir, { 'src/train.mjs': '// mine\n' });
    const r = mlo(['init', '--template', 'regression'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: .*src\/train\.mjs/m);
    expect(readdirSync(dir)).toEqual(['src']);
    expect(readdirSync(join(dir, 'src'))).toEqual(['train.mjs']);
  });

  it('an unknown template exits 2 naming --template and the choices', () => {
    const dir = tempDir();
    const r = mlo(['init', '--template', 'clasification'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --template: .*"clasification".*classification, regression/m);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('--force without --template is a usage error', () => {
    const dir = tempDir();
    const r = mlo(['init', '--force'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--force only applies with --template/);
  });
});
