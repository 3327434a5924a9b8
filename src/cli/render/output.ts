/**
 * Where output goes: data to stdout (one JSON document with --json), warnings and
 * progress to stderr.
 */
import { errColor } from './color.js';

export function print(text = ''): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function warn(message: string): void {
  process.stderr.write(`${errColor.yellow('warning:')} ${message}\n`);
}

export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}
