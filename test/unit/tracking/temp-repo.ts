/** A fresh mlo repository in a temp directory for library tests, closed and removed after the test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { initRepo, openRepo, type Repo } from '../../../src/index.js';

export function tempRepo(): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'mlo-unit-'));
  initRepo(dir);
  const repo = openRepo(dir);
  onTestFinished(() => {
    repo.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return repo;
}
