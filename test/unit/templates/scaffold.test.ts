import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTemplate, availableTemplates, formatCommands, MloError } from '../../../src/index.js';

const SHIPPED = resolve(import.meta.dirname, '../../../templates');
const dirs: string[] = [];
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'mlo-tpl-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('templates', () => {
  it('lists the shipped templates, found from the sources as from the bundle', () => {
    expect(availableTemplates().map((t) => t.name)).toEqual(['classification', 'regression']);
  });

  it('appends the README section after a blank line, keeping what was there', () => {
    const dir = temp();
    writeFileSync(join(dir, 'README.md'), '# mine\nno newline at the end');
    const r = applyTemplate(dir, { template: 'regression' });
    expect(r.files.find((f) => f.path === 'README.md')?.action).toBe('appended');
    const text = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(text.startsWith('# mine\nno newline at the end\n\n<!-- mlo:template start')).toBe(true);
    expect(text).toContain(formatCommands(r.commands));
    expect(text).not.toContain('{{commands}}');
  });

  it('a template file wins over a common one of the same path', () => {
    const root = temp();
    cpSync(SHIPPED, root, { recursive: true });
    writeFileSync(join(root, 'regression/src/common.mjs'), '// regression only\n');
    const dir = temp();
    applyTemplate(dir, { template: 'regression', templatesDir: root });
    expect(readFileSync(join(dir, 'src/common.mjs'), 'utf8')).toBe('// regression only\n');
  });

  it('a workflow without a line the manifest fills in is an internal error, before writing', () => {
    const root = temp();
    cpSync(SHIPPED, root, { recursive: true });
    const wf = join(root, 'github-actions.yml');
    writeFileSync(wf, readFileSync(wf, 'utf8').replace(/^\s+TARGET: .*\n/m, ''));
    const dir = temp();
    let err: unknown;
    try {
      applyTemplate(dir, { template: 'classification', templatesDir: root });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MloError);
    expect((err as MloError).code).toBe('INTERNAL');
    expect((err as MloError).message).toMatch(/"TARGET:"/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
