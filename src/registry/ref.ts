/**
 * Model references as users write them: `churn@3` (a version), `churn@champion` (an
 * alias), `churn` (the latest version; `churn@latest` says the same explicitly).
 */
import { MloError, type MloErrorCode } from '../errors.js';

export type ModelRef =
  | { name: string; kind: 'version'; version: number; text: string }
  | { name: string; kind: 'alias'; alias: string; text: string }
  | { name: string; kind: 'latest'; text: string };

/** Letters, digits, `.`, `_`, `-`; starting with a letter or digit. */
export const MODEL_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Starts with a letter, so that `NAME@3` can only mean a version. */
export const ALIAS_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** Aliases with a meaning of their own, which `mlo model alias set` refuses. */
export const RESERVED_ALIASES: readonly string[] = ['latest'];

export function checkModelName(name: string, code: MloErrorCode = 'USAGE'): string {
  if (!MODEL_NAME_RE.test(name)) {
    throw new MloError(
      code,
      `invalid model name "${name}": use letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return name;
}

export function checkAliasName(alias: string, options: { settable?: boolean } = {}): string {
  if (!ALIAS_RE.test(alias)) {
    throw new MloError(
      'USAGE',
      `invalid alias "${alias}": use letters, digits, '_' and '-', starting with a letter`,
      { hint: 'a plain number after @ means a version (churn@3)' },
    );
  }
  if (options.settable && RESERVED_ALIASES.includes(alias)) {
    throw new MloError(
      'USAGE',
      `"${alias}" is reserved: NAME@${alias} always means the newest version`,
    );
  }
  return alias;
}

/** Parse `NAME`, `NAME@VERSION` or `NAME@ALIAS`; malformed text is a USAGE error (exit 2). */
export function parseModelRef(text: string): ModelRef {
  const trimmed = text.trim();
  const at = trimmed.indexOf('@');
  const name = at < 0 ? trimmed : trimmed.slice(0, at);
  if (name === '') {
    throw new MloError('USAGE', `invalid model reference "${text}": the model name is empty`, {
      hint: 'write NAME, NAME@VERSION (churn@3) or NAME@ALIAS (churn@champion)',
    });
  }
  checkModelName(name);
  if (at < 0) return { name, kind: 'latest', text: trimmed };
  const after = trimmed.slice(at + 1);
  if (/^\d+$/.test(after)) {
    const version = Number(after);
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new MloError('USAGE', `invalid model reference "${text}": versions start at 1`);
    }
    return { name, kind: 'version', version, text: trimmed };
  }
  if (after === 'latest') return { name, kind: 'latest', text: trimmed };
  if (!ALIAS_RE.test(after)) {
    throw new MloError(
      'USAGE',
      `invalid model reference "${text}": "${after}" is neither a version nor an alias`,
      {
        hint: 'write NAME, NAME@VERSION (churn@3) or NAME@ALIAS (churn@champion)',
      },
    );
  }
  return { name, kind: 'alias', alias: after, text: trimmed };
}

export function formatModelRef(name: string, version: number): string {
  return `${name}@${version}`;
}
