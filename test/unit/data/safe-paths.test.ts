/**
 * The path rules for everything mlo writes from committed files (safe-path.ts) and
 * the pointer rule built on them: `X.mlo` describes `X`, in its own folder, only.
 */
import { describe, expect, it } from 'vitest';
import { unsafePathReason } from '../../../src/data/safe-path.js';
import { pointerProblem } from '../../../src/data/pointer.js';

describe('unsafePathReason', () => {
  it.each([
    ['data/train.csv'],
    ['a'],
    ['.gitignore'],
    ['models/.github/x'],
    ['dir with spaces/ü.csv'],
    ['.gitx/y'],
    ['x.git/y'],
  ])('allows %j', (p) => {
    expect(unsafePathReason(p)).toBeUndefined();
  });

  it.each([
    ['', /repository root/],
    ['.', /repository root/],
    ['/etc/passwd', /absolute/],
    ['../x', /"\.\." component/],
    ['a/../../x', /"\.\." component/],
    ['a//b', /empty or "\." component/],
    ['a/./b', /empty or "\." component/],
    ['a/', /empty or "\." component/],
    ['.git', /inside \.git\//],
    ['.git/config', /inside \.git\//],
    ['.GIT/hooks/pre-commit', /inside \.GIT\//],
    ['sub/.Git/x', /inside \.Git\//],
    ['.mlo/config.yaml', /inside \.mlo\//],
    ['sub/.MLO', /inside \.MLO\//],
    ['a\nb', /control character/],
    ['esc\u001b[2J', /control character/],
    ['nul\0', /NUL/],
  ])('refuses %j', (p, why) => {
    expect(unsafePathReason(p)).toMatch(why);
  });

  it('allows control characters inside a tracked directory when asked', () => {
    expect(unsafePathReason('d/line\nbreak', { allowControl: true })).toBeUndefined();
    expect(unsafePathReason('d/../x', { allowControl: true })).toMatch(/\.\./);
  });
});

describe('pointerProblem', () => {
  it('accepts a pointer describing its own name, with or without path:', () => {
    expect(pointerProblem('data/train.csv.mlo', 'train.csv')).toBeUndefined();
    expect(pointerProblem('data/train.csv.mlo')).toBeUndefined();
    expect(pointerProblem('models.mlo', 'models')).toBeUndefined();
  });

  it.each([
    ['evil.mlo', '.', /says path: "\."/],
    ['evil.mlo', '.git', /says path: "\.git"/],
    ['sub/x.mlo', 'x/../../etc', /says path/],
    ['x.mlo', './x', /says path: "\.\/x"/],
    ['a.mlo', 'b', /describes only the path named by its own name \(a\)/],
    ['..mlo', undefined, /does not name a file or folder/],
    ['d/...mlo', undefined, /does not name a file or folder/],
    ['.git.mlo', '.git', /the path it describes is inside \.git\//],
    ['sub/.mlo.mlo', undefined, /inside \.mlo\//],
  ])('refuses %s with path %j', (file, path, why) => {
    expect(pointerProblem(file, path)).toMatch(why);
  });
});
