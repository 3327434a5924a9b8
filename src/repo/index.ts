export { openRepo, repoAt, type Repo, type OpenRepoOptions } from './repo.js';
export { initRepo, type InitResult } from './init.js';
export { findRepoRoot, findGitRoot, DOT_DIR } from './find.js';
export {
  readRepoConfig,
  CONFIG_TEMPLATE,
  LOCAL_CONFIG_FILE,
  SECRET_KEYS,
  SSE_MODES,
  repoConfigSchema,
  LINK_TYPES,
  type RepoConfig,
  type RemoteConfig,
  type LinkType,
} from './config.js';
export { editRepoConfig, editLocalConfig } from './config-edit.js';
export {
  protectFiles,
  recoverInterrupted,
  setRecoveryNoticeHandler,
  RECOVERY_FILE,
  type Recovered,
} from './recovery.js';
