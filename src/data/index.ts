/** Data versioning: the content cache, pointer files, and what moves data around. */
export { add, type AddOptions, type AddResult, type AddedPath } from './add.js';
export { scanDirectory, saveSnapshot, type DirScan, type ScannedFile } from './scan.js';
export {
  status,
  currentFileHash,
  type StatusEntry,
  type StatusResult,
  type StatusOptions,
  type EntryState,
  type DirChanges,
} from './status.js';
export { checkout, type CheckoutOptions, type CheckoutResult } from './checkout.js';
export { gc, type GcOptions, type GcResult } from './gc.js';
export { fsck, type FsckResult, type FsckProblem } from './fsck.js';
export {
  push,
  pull,
  fetch,
  type TransferOptions,
  type PushResult,
  type PullResult,
  type FetchResult,
} from './transfer.js';
export {
  remoteStatus,
  type RemoteStatusResult,
  type RemoteStatusEntry,
  type RemoteState,
} from './remote-status.js';
export { gcRemote, type RemoteGcOptions, type RemoteGcResult } from './remote-gc.js';
export { fsckRemote, type RemoteFsckOptions, type RemoteFsckResult } from './remote-fsck.js';
export {
  addRemote,
  removeRemote,
  setDefaultRemote,
  listRemotes,
  defaultRemoteName,
  openRemote,
  connectRemote,
  modifyRemote,
  settingKeys,
  type Remote,
  type RemoteInfo,
  type OpenedRemote,
} from './remote/index.js';
export { loadPointers, loadSelectedPointers } from './pointers.js';
export {
  readPointer,
  writePointer,
  pointerPathFor,
  findPointerFiles,
  type Pointer,
  type PointerData,
} from './pointer.js';
export { cacheOf, linkTypeOf } from './context.js';
export { ObjectCache } from './cache.js';
export { ObjectBatch } from './batch.js';
export { sha256, hashFile, HASH_RE } from './hash.js';
export { encodeManifest, decodeManifest, type ManifestEntry } from './manifest.js';
export {
  listReferences,
  expandReferences,
  LOCK_FILE,
  REFERENCE_KINDS,
  type Reference,
  type ReferenceKind,
  type ReferenceOptions,
} from './references.js';
export { pinObjects, cacheAndPin, objectsOfEntry } from './pins.js';
export { restoreEntry } from './restore.js';
export { WorkspaceWriter } from './workspace-write.js';
export { unsafePathReason } from './safe-path.js';
export { ignoreInGit } from './gitignore.js';
