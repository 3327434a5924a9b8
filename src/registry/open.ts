/**
 * Which registry a command acts on: with `registry: <remote>` in mlo.yaml, the
 * server's (the team's registry of record); otherwise, or with --local, this
 * repository's own.
 */
import type { Repo } from '../repo/index.js';
import { localRegistry, type RegistryBackend } from './backend.js';

export interface OpenRegistryOptions {
  /** this repository's own registry, whatever mlo.yaml says */
  local?: boolean;
}

export async function openRegistry(
  repo: Repo,
  options: OpenRegistryOptions = {},
): Promise<RegistryBackend> {
  if (options.local) return localRegistry(repo);
  // loaded only when a server may be involved: HTTP and sync stay out of local commands
  const { loadTeamConfig, serverTarget } = await import('../sync/index.js');
  const name = loadTeamConfig(repo.root).registry;
  if (name === undefined) return localRegistry(repo);
  const { remoteRegistry } = await import('./remote.js');
  return remoteRegistry(repo, serverTarget(repo, name));
}
