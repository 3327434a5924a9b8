/** Feature-store test helpers: a repository holding a fixture case, and CSV comparison. */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { add, applyDefinitions, parseDefinitions, type Repo } from '../../../src/index.js';
import { tempRepo } from '../tracking/temp-repo.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/features');

export interface CaseOptions {
  features: string;
  asOfCreated?: boolean;
  fullNames?: boolean;
}

/** A repository with a case's files, its sources tracked and its definitions applied. */
export async function repoWithCase(name: string): Promise<{ repo: Repo; options: CaseOptions }> {
  const repo = tempRepo();
  const dir = join(FIXTURES, name);
  for (const f of readdirSync(dir)) copyFileSync(join(dir, f), join(repo.root, f));
  const yaml = readFileSync(join(dir, 'features.yaml'), 'utf8');
  writeFileSync(join(repo.root, 'mlo.yaml'), yaml);
  const sources = Object.values(parseDefinitions(yaml).sources).map((s) => s.path);
  await add(repo, [...new Set(sources)], { cwd: repo.root });
  await applyDefinitions(repo);
  const options = JSON.parse(readFileSync(join(dir, 'case.json'), 'utf8')) as CaseOptions;
  return { repo, options };
}

/** RFC 4180 rows (quoted fields, doubled quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

const TIME_RE = /^\d{4}-\d{2}-\d{2}T/;

/** Same header, same rows; numbers equal to 1e-12 relative, times as instants, nulls as empty. */
export function expectSameTable(actualCsv: string, expectedCsv: string, label: string): void {
  const actual = parseCsv(actualCsv);
  const expected = parseCsv(expectedCsv);
  expect(actual[0], `${label}: header`).toEqual(expected[0]);
  expect(actual.length, `${label}: rows`).toBe(expected.length);
  for (let r = 1; r < expected.length; r++) {
    for (let c = 0; c < expected[0].length; c++) {
      const a = actual[r][c] ?? '';
      const e = expected[r][c] ?? '';
      const where = `${label}: row ${r}, column ${expected[0][c]}`;
      if (e === '' || a === '') expect(a, where).toBe(e);
      else if (TIME_RE.test(e)) expect(Date.parse(a), where).toBe(Date.parse(e));
      else if (Number.isFinite(Number(e)) && e.trim() !== '' && !/^0\d/.test(e)) {
        const x = Number(a);
        const y = Number(e);
        expect(Math.abs(x - y) <= 1e-12 * Math.max(1, Math.abs(y)), `${where}: ${a} vs ${e}`).toBe(
          true,
        );
      } else expect(a, where).toBe(e);
    }
  }
}

/** A repository with these files, the sources of `yaml` tracked (not applied). */
export async function repoWithFiles(files: Record<string, string>): Promise<Repo> {
  const repo = tempRepo();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo.root, rel)), { recursive: true });
    writeFileSync(join(repo.root, rel), text);
  }
  let sources: string[] = [];
  try {
    sources = Object.values(parseDefinitions(files['mlo.yaml'] ?? '').sources)
      .map((s) => s.path)
      .filter((p) => existsSync(join(repo.root, p)));
  } catch {
    // definitions a test means to be broken: nothing to track
  }
  if (sources.length) await add(repo, [...new Set(sources)], { cwd: repo.root });
  return repo;
}
