/**
 * Secrets for alert destinations (webhook URLs, routing keys): the environment first,
 * then `secrets:` in the git-ignored `.mlo/config.local.yaml`. mlo.yaml only names the
 * variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { MloError } from '../../errors.js';

export const LOCAL_CONFIG = 'config.local.yaml';

export type SecretSource = (name: string) => string | undefined;

/** Read secrets from `env`, then from dotDir/config.local.yaml's `secrets:` map. */
export function secretSource(dotDir: string, env: NodeJS.ProcessEnv = process.env): SecretSource {
  let local: Record<string, unknown> | null = null;
  const loadLocal = (): Record<string, unknown> => {
    if (local !== null) return local;
    const file = join(dotDir, LOCAL_CONFIG);
    local = {};
    if (!existsSync(file)) return local;
    let doc: unknown;
    try {
      doc = parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new MloError(
        'INVALID',
        `.mlo/${LOCAL_CONFIG}: ${(err as Error).message.split('\n')[0]}`,
      );
    }
    const secrets = (doc as { secrets?: unknown } | null)?.secrets;
    if (
      secrets !== undefined &&
      (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets))
    ) {
      throw new MloError('INVALID', `.mlo/${LOCAL_CONFIG}: secrets must be a map of NAME: value`);
    }
    local = (secrets ?? {}) as Record<string, unknown>;
    return local;
  };
  return (name) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    const l = loadLocal()[name];
    return typeof l === 'string' && l !== '' ? l : undefined;
  };
}

export function requireSecret(secrets: SecretSource, name: string, what: string): string {
  const v = secrets(name);
  if (v === undefined) {
    throw new MloError('USAGE', `$${name} is not set (${what})`, {
      hint: `export ${name}=... or add it under secrets: in .mlo/${LOCAL_CONFIG}`,
    });
  }
  return v;
}
