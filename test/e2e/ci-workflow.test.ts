/**
 * The generated GitHub Actions workflow, run: a project from `mlo init --template`,
 * a real `mlo server`, and the workflow's `run:` steps executed in order by bash with
 * the job's env, as a push to main would run them. Steps that use an action are
 * GitHub's (checkout, setup-node, artifact upload) and are skipped; the install step
 * is checked to name our package and replaced by this checkout's `mlo` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { MLO_BIN, ROOT, git, gitInit, mlo, parseJson, tempDir } from '../helpers/cli.js';
import { call, startHub } from '../helpers/hub.js';

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
}

// the conditions the workflow uses, as they evaluate on a push to main; a new
// condition fails the test until it is added here
const ON_PUSH_TO_MAIN: Record<string, boolean> = {
  'always()': true,
  // the project holds no pointer files and no mlo.lock yet
  "hashFiles('**/*.mlo', 'mlo.lock') != ''": false,
  "github.event_name == 'pull_request'": false,
  "always() && github.event_name == 'pull_request'": false,
  "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'": true,
  "always() && github.event_name != 'pull_request'": true,
};

// what GitHub's expressions are in this run
const EXPRESSIONS: Record<string, string> = {
  'github.actor': 'octocat',
  'github.run_id': '4242',
};

/** Text with GitHub's `${{ expr }}` replaced as the runner does before the shell sees it. */
function expand(text: string, values: Record<string, string>, where: string): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => {
    if (!(expr in values)) throw new Error(`no value for \${{ ${expr} }} in ${where}`);
    return values[expr];
  });
}

describe('the generated GitHub Actions workflow', () => {
  it('installs mlo-toolkit, pulls from the server with the secret token, pushes its runs and promotes through the server; nothing of .mlo/ is cached', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      name: string;
      bin: Record<string, string>;
    };
    expect(pkg.name).toBe('mlo-toolkit');
    expect(Object.keys(pkg.bin)).toEqual(['mlo']);

    const hub = await startHub();
    const token = hub.token('ci', 'write');
    const root = tempDir('mlo-ci-');
    const dir = join(root, 'project');
    mkdirSync(dir);
    gitInit(dir);
    const init = mlo(['init', '--template', 'classification', '--json'], { cwd: dir });
    expect(init.code, init.stderr).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'project');

    const wf = parse(readFileSync(join(dir, '.github/workflows/mlo.yml'), 'utf8')) as {
      jobs: Record<string, { env: Record<string, string>; steps: Step[] }>;
    };
    const job = Object.values(wf.jobs)[0];
    const text = JSON.stringify(wf);
    expect(text).not.toMatch(/actions\/cache/);
    expect(text).not.toMatch(/\.mlo\/mlo\.db/);

    // `mlo` on PATH is this checkout's, standing in for the installed package
    const bin = join(root, 'bin');
    mkdirSync(bin);
    symlinkSync(MLO_BIN, join(bin, 'mlo'));
    const env: Record<string, string | undefined> = {
      ...process.env,
      NO_COLOR: '1',
      PATH: `${bin}:${process.env.PATH}`,
      ...Object.fromEntries(
        Object.entries(job.env).map(([k, v]) => [
          k,
          expand(
            String(v),
            { ...EXPRESSIONS, 'vars.MLO_SERVER': hub.url, 'secrets.MLO_TOKEN': token },
            `env ${k}`,
          ),
        ]),
      ),
    };
    expect(env.MLO_TOKEN).toBe(token);

    const ran: string[] = [];
    for (const step of job.steps) {
      if (step.if !== undefined) {
        expect(Object.keys(ON_PUSH_TO_MAIN), `condition of "${step.name}"`).toContain(step.if);
        if (!ON_PUSH_TO_MAIN[step.if]) continue;
      }
      if (step.run === undefined) continue; // an action: GitHub's
      if (/npm install/.test(step.run)) {
        expect(step.run.trim()).toBe('npm install --global mlo-toolkit');
        ran.push(step.name ?? '');
        continue;
      }
      const script = expand(step.run, EXPRESSIONS, `step "${step.name}"`);
      const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
        cwd: dir,
        env: { ...env, ...step.env },
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(r.status, `step "${step.name}"\n${r.stdout}\n${r.stderr}`).toBe(0);
      ran.push(step.name ?? '');
    }
    expect(ran).toEqual([
      'Install mlo',
      'Pull from the team server',
      'Reproduce the pipeline',
      'Push the runs',
      'Validate the data',
      'Register the model',
      'Promote',
      // no remote is committed: "team" is the only one, so the default
      'Push outputs and models',
    ]);

    // the server holds what the job did: the runs, version 1 as champion, the audit's who
    const runs = await call(hub, 'GET', '/api/runs?limit=100', { token });
    expect(runs.status).toBe(200);
    const names = (runs.body as { runs: { name: string }[] }).runs.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['train', 'evaluate']));
    const shown = parseJson<{
      version: number;
      createdBy: string;
      aliasHistory: { outcome: string; who: string; gitCommit: string | null }[];
    }>(
      mlo(['model', 'show', 'classifier@champion', '--json'], {
        cwd: dir,
        env: { MLO_TOKEN: token, MLO_REGISTRY: 'team' },
      }),
    );
    expect(shown.version).toBe(1);
    // decided on the server: its audit names the token, not the runner's user
    expect(shown.createdBy).toBe('ci');
    expect(shown.aliasHistory).toContainEqual(
      expect.objectContaining({
        outcome: 'moved',
        who: 'ci',
        gitCommit: git(dir, 'rev-parse', 'HEAD').trim(),
      }),
    );

    // without the token the same pull is refused: the job depends on the secret
    const noToken = spawnSync('mlo', ['pull', '--remote', 'team'], {
      cwd: dir,
      env: { ...env, MLO_TOKEN: '' },
      encoding: 'utf8',
    });
    expect(noToken.status).toBe(2);
  }, 600_000);
});
