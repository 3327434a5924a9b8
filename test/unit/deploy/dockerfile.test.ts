/**
 * The generated Dockerfile against a Dockerfile linter (dockerfile-utils, the
 * validator behind VS Code's Docker support) and hadolint's rules written as code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import {
  DOCKERIGNORE,
  IMAGE_STATE_DIR,
  defaultImages,
  renderDockerfile,
} from '../../../src/deploy/dockerfile.js';
import {
  NATIVE_RUNTIME_DEPS,
  OFFLINE_ONLY_DEPS,
  subsetLock,
} from '../../../src/deploy/runtime-package.js';
import { ROOT } from '../../helpers/cli.js';
import { lint, parseDockerfile } from './dockerfile-rules.js';

const model = { name: 'churn', version: 3, ref: 'churn@champion', hash: 'ab'.repeat(32) };

function dockerfile(overrides: Partial<Parameters<typeof renderDockerfile>[0]> = {}): string {
  return renderDockerfile({ ...defaultImages('20.19.5'), model, locked: true, ...overrides });
}

describe('the generated Dockerfile', () => {
  it('has no diagnostics from dockerfile-utils', () => {
    for (const locked of [true, false]) {
      const diagnostics = validate(dockerfile({ locked }));
      expect(diagnostics.map((d) => [d.range.start.line + 1, d.message])).toEqual([]);
    }
  });

  it("passes hadolint's rules", () => {
    expect(lint(dockerfile())).toEqual([]);
    expect(lint(dockerfile({ locked: false }))).toEqual([]);
  });

  it('the rules and the linter catch a Dockerfile that breaks them', () => {
    const bad = [
      'FROM node:latest',
      'MAINTAINER someone',
      'ADD . app',
      'COPY src app',
      'RUN cd app && npm install express | tee log',
      'USER root',
      'CMD node server.js',
      'HEALTHCHECK --interval=5 CMD',
    ].join('\n');
    const problems = lint(bad);
    for (const rule of [
      'DL3007',
      'DL4000',
      'DL3020',
      'DL3003',
      'DL4006',
      'DL3016',
      'DL3002',
      'DL3025',
      'DL3045',
    ]) {
      expect(
        problems.some((p) => p.startsWith(rule) || p.includes(`/${rule}`)),
        rule,
      ).toBe(true);
    }
    expect(validate(bad).map((d) => d.message)).toEqual(
      expect.arrayContaining([
        'MAINTAINER has been deprecated',
        'Missing command after HEALTHCHECK CMD',
      ]),
    );
    expect(lint('FROM node:20-bookworm-slim\nUSER node\n')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/not an exact version/),
        expect.stringMatching(/USER node: not numeric/),
      ]),
    );
  });

  it('keeps what the image promises: non-root, health check, graceful stop, one writable path', () => {
    const ins = parseDockerfile(dockerfile());
    const get = (k: string): string[] => ins.filter((i) => i.keyword === k).map((i) => i.args);
    expect(get('FROM')).toEqual(['node:20.19.5-bookworm AS deps', 'node:20.19.5-bookworm-slim']);
    expect(get('USER')).toEqual(['1000:1000']);
    expect(get('HEALTHCHECK')[0]).toMatch(/\/v2\/health\/ready/);
    expect(get('STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(JSON.parse(get('ENTRYPOINT')[0])).toEqual(['node', '/opt/mlo/bin/mlo.js']);
    expect(JSON.parse(get('CMD')[0])).toEqual([
      'serve',
      '--bundle',
      '/opt/mlo/bundle',
      '--host',
      '0.0.0.0',
      '--port',
      '8080',
    ]);
    expect(get('VOLUME')).toEqual([JSON.stringify([IMAGE_STATE_DIR])]);
    const env = get('ENV').join(' ');
    expect(env).toContain(`MLO_STATE_DIR=${IMAGE_STATE_DIR}`);
    expect(env).toContain(`TMPDIR=${IMAGE_STATE_DIR}/tmp`);
    expect(get('EXPOSE')).toEqual(['8080']);
    // only the addons are installed, install scripts off, then better-sqlite3 alone rebuilt
    const install = get('RUN')[0];
    expect(install).toMatch(/^npm ci --omit=dev --ignore-scripts/);
    expect(install).toMatch(/npm rebuild better-sqlite3/);
    expect(install).not.toMatch(/onnxruntime/);
    // a digest is as good as a tag
    const digest = `node:20.19.5-bookworm-slim@sha256:${'0'.repeat(64)}`;
    expect(lint(dockerfile({ baseImage: digest }))).toEqual([]);
  });

  it('sends the builder only the bundle and mlo', () => {
    expect(DOCKERIGNORE.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      '*',
      '!bundle',
      '!mlo',
    ]);
  });
});

describe('the runtime package', () => {
  it('installs exactly what dist/ leaves out of its bundles (scripts/build.mjs externals)', () => {
    const build = readFileSync(join(ROOT, 'scripts/build.mjs'), 'utf8');
    const externals = /external:\s*\[([^\]]*)\]/.exec(build)![1];
    expect(
      externals
        .split(',')
        .map((s) => s.trim().replace(/['"]/g, ''))
        .filter(Boolean)
        .sort(),
    ).toEqual([...NATIVE_RUNTIME_DEPS, ...OFFLINE_ONLY_DEPS].sort());
  });

  it('cuts the lock down to the addons and what they depend on, nothing of dev', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Parameters<
      typeof subsetLock
    >[0];
    const cut = subsetLock(lock, NATIVE_RUNTIME_DEPS);
    const paths = Object.keys(cut.packages);
    expect(paths).toContain('node_modules/better-sqlite3');
    expect(paths).toContain('node_modules/onnxruntime-node');
    expect(paths).toContain('node_modules/onnxruntime-common');
    expect(paths).toContain('node_modules/bindings');
    for (const dev of [
      'node_modules/vitest',
      'node_modules/typescript',
      'node_modules/commander',
    ]) {
      expect(paths).not.toContain(dev);
    }
    // every dependency of every kept package resolves inside the cut lock
    for (const [path, entry] of Object.entries(cut.packages)) {
      if (path === '') continue;
      for (const dep of Object.keys(entry.dependencies ?? {})) {
        const nested = `${path}/node_modules/${dep}`;
        expect(
          cut.packages[nested] ?? cut.packages[`node_modules/${dep}`],
          `${path} → ${dep}`,
        ).toBeDefined();
      }
    }
    expect(cut.packages[''].dependencies).toEqual({
      'better-sqlite3': lock.packages['node_modules/better-sqlite3'].version,
      'onnxruntime-node': lock.packages['node_modules/onnxruntime-node'].version,
    });
  });
});
