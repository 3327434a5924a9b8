/**
 * Which registry a command acts on: with `registry: <remote>` in mlo.yaml, the
 * server's (the team's registry of record), as with $MLO_REGISTRY; otherwise, or with --local, this
 * repository's own.
 */
import type { Repo } from '../repo/index.js';
import { localRegistry, type RegistryBackend } from './backend.js';

/** The environment variable that names the registry's server remote, over mlo.yaml. */
export const REGISTRY_ENV = 'MLO_REGISTRY';

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
  // $MLO_REGISTRY names the remote for one process (a CI job), over mlo.yaml's setting
  const name = process.env[REGISTRY_ENV]?.trim() || loadTeamConfig(repo.root).registry;
  if (name === undefined) return localRegistry(repo);
  const { remoteRegistry } = await import('./remote.js');
  return remoteRegistry(repo, serverTarget(repo, name));
}
