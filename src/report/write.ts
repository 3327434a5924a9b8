/** Writing a rendered report where CI picks it up, never half-written. */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { MloError } from '../errors.js';
import type { Repo } from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { renderReportHtml } from './html.js';
import { renderReportMarkdown } from './markdown.js';
import type { ReportData } from './types.js';

export type ReportFormat = 'markdown' | 'html';

export const REPORT_FORMATS: readonly ReportFormat[] = ['markdown', 'html'];

export function renderReport(data: ReportData, format: ReportFormat): string {
  return format === 'html' ? renderReportHtml(data) : renderReportMarkdown(data);
}

/**
 * Write `text` to `path` (relative to `cwd`) by temp file + rename; returns the
 * absolute path. A missing parent directory is created, as CI steps expect.
 */
export function writeReportFile(
  repo: Repo,
  path: string,
  text: string,
  options: { cwd?: string } = {},
): string {
  const target = resolve(options.cwd ?? process.cwd(), path);
  try {
    mkdirSync(dirname(target), { recursive: true });
    mkdirSync(repo.tmpDir, { recursive: true });
    writeFileAtomic(target, text, { tmpDir: repo.tmpDir });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EROFS') {
      throw new MloError('USAGE', `--out ${path}: cannot write there (${code})`);
    }
    throw err;
  }
  return target;
}
