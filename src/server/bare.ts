/**
 * A server's store: the same SQLite schema and migrations as a repository's, with no
 * workspace around it, like a bare git repository.
 *
 *     DIR/mlo.db          the store
 *     DIR/objects/        content-addressed objects (the cache layout: <hh>/<rest>, packs/)
 *     DIR/tmp/            staging for atomic writes
 *     DIR/config.yaml     settings (`remotes.objects` + `core.remote`: an S3 remote that
 *                         holds the objects instead of objects/; objects-backend.ts)
 *     DIR/mlo-server.yaml marks the directory as a server store
 *
 * Library calls take a Repo; a bare store is one whose root is DIR and which has no
 * git work tree, so the registry, the MLflow mapping and the monitor work on it
 * unchanged.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { MloError } from '../errors.js';
import { openStore, storeOrigin, type Store } from '../store/index.js';
import {
  CONFIG_TEMPLATE,
  readRepoConfig,
  repoConfigSchema,
  type Repo,
  type RepoConfig,
} from '../repo/index.js';
import { writeFileAtomic } from '../util/atomic.js';
import { parseYaml } from '../util/yaml-file.js';
import {
  objectsLocation,
  OBJECTS_REMOTE,
  parseObjectsBackend,
  type ObjectsBackendSpec,
} from './objects-backend.js';

export const MARKER = 'mlo-server.yaml';

const MARKER_TEXT = `# An mlo server store (mlo server init). Serve it with:
#   mlo server --store <this directory> --port 5000
# mlo.db is its SQLite store, objects/ its content-addressed objects. Back up both.
kind: server
`;

export interface InitServerResult {
  dir: string;
  created: boolean;
  origin: string;
  /** where the objects are kept: DIR/objects or s3://bucket/prefix */
  objects: string;
}

export interface InitServerOptions {
  /** keep the objects in this S3 remote instead of DIR/objects */
  objects?: ObjectsBackendSpec;
}

/** `mlo server init DIR`: create an empty server store (an existing one is left as it is). */
export function initServerStore(dir: string, options: InitServerOptions = {}): InitServerResult {
  const abs = resolve(dir);
  // checked before anything is written: a refused flag leaves no half-made store
  const config = serverConfigText(options.objects);
  if (existsSync(join(abs, MARKER))) {
    const repo = openBareRepo(abs);
    try {
      const objects = objectsLocation(repo);
      if (options.objects && options.objects.url !== objects) {
        throw new MloError(
          'USAGE',
          `${abs} is already a server store, with its objects in ${objects}`,
          { hint: `its config.yaml (remotes.${OBJECTS_REMOTE}) says where they are` },
        );
      }
      return { dir: abs, created: false, origin: storeOrigin(repo.store), objects };
    } finally {
      repo.close();
    }
  }
  if (existsSync(abs) && readdirSync(abs).length > 0) {
    throw new MloError('USAGE', `${abs} is not empty and not a server store`, {
      hint: 'give a new or empty directory',
    });
  }
  mkdirSync(join(abs, 'objects'), { recursive: true });
  mkdirSync(join(abs, 'tmp'), { recursive: true });
  writeFileAtomic(join(abs, 'config.yaml'), config);
  const repo = bareRepoAt(abs);
  let origin: string;
  let objects: string;
  try {
    objects = objectsLocation(repo);
    origin = storeOrigin(repo.store); // creates mlo.db and migrates it
    repo.store.db
      .prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('store.kind', 'server')")
      .run();
  } finally {
    repo.close();
  }
  // the marker last: its presence is what makes the directory a server store
  writeFileAtomic(join(abs, MARKER), MARKER_TEXT);
  return { dir: abs, created: true, origin, objects };
}

/** The store's config.yaml: the repository template, and the S3 remote for the objects if any. */
function serverConfigText(objects: ObjectsBackendSpec | undefined): string {
  if (!objects) return CONFIG_TEMPLATE;
  const settings = parseObjectsBackend(objects);
  const doc = parseDocument(CONFIG_TEMPLATE);
  doc.setIn(['core', 'remote'], OBJECTS_REMOTE);
  for (const [k, v] of Object.entries(settings)) doc.setIn(['remotes', OBJECTS_REMOTE, k], v);
  const text = doc.toString();
  parseYaml(text, repoConfigSchema, 'config.yaml');
  return text;
}

/** Open a server store made by initServerStore. */
export function openBareRepo(dir: string): Repo {
  const abs = resolve(dir);
  if (!existsSync(join(abs, MARKER))) {
    throw new MloError('NOT_FOUND', `${abs} is not an mlo server store`, {
      hint: `create one with \`mlo server init ${dir}\``,
    });
  }
  return bareRepoAt(abs);
}

function bareRepoAt(root: string): Repo {
  const configPath = join(root, 'config.yaml');
  let config: RepoConfig = readRepoConfig(configPath, 'config.yaml');
  let store: Store | undefined;
  return {
    root,
    dotDir: root,
    cacheDir: join(root, 'objects'),
    tmpDir: join(root, 'tmp'),
    configPath,
    get config() {
      return config;
    },
    gitRoot: undefined,
    get store() {
      store ??= openStore(join(root, 'mlo.db'));
      return store;
    },
    reloadConfig() {
      config = readRepoConfig(configPath, 'config.yaml');
    },
    close() {
      store?.close();
      store = undefined;
    },
  };
}
