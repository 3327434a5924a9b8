/**
 * The endpoint inside every run mlo starts (`mlo exec`, `mlo repro` stages): the
 * MLflow API on 127.0.0.1 at a free port for the run's lifetime, guarded by a random
 * per-run token, so `mlflow.start_run()` in the child attaches to the mlo run
 * (MLFLOW_RUN_ID) and every `mlflow.log_*` call lands in it with no server and no
 * configuration. Another local user can reach the port but not write without the
 * token, which only the child's environment holds.
 */
import { randomBytes } from 'node:crypto';
import type { Repo } from '../repo/index.js';
import { serveMlflow } from './http.js';

export interface RunEndpoint {
  /** what the child's environment gets */
  env: Record<string, string | undefined>;
  close(): Promise<void>;
}

export async function startRunEndpoint(repo: Repo, runId: string): Promise<RunEndpoint> {
  const token = randomBytes(24).toString('hex');
  const endpoint = await serveMlflow({ repo, ownedRunIds: new Set([runId]) }, { token });
  return {
    env: {
      MLFLOW_TRACKING_URI: endpoint.url,
      MLFLOW_REGISTRY_URI: endpoint.url,
      MLFLOW_RUN_ID: runId,
      MLFLOW_TRACKING_TOKEN: token,
      // basic auth would win over the token in MLflow's clients
      MLFLOW_TRACKING_USERNAME: undefined,
      MLFLOW_TRACKING_PASSWORD: undefined,
    },
    close: () => endpoint.close(),
  };
}
