CREATE TABLE dir_state ( path TEXT PRIMARY KEY, manifest TEXT NOT NULL, stamps BLOB NOT NULL ) WITHOUT ROWID;
CREATE TABLE hash_state ( path TEXT PRIMARY KEY, inode INTEGER NOT NULL, mtime_ms REAL NOT NULL, size INTEGER NOT NULL, hash TEXT NOT NULL ) WITHOUT ROWID;
CREATE TABLE meta ( key TEXT PRIMARY KEY, value TEXT NOT NULL ) WITHOUT ROWID;
CREATE TABLE object_refs ( kind TEXT NOT NULL, owner TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (kind, owner, hash) ) WITHOUT ROWID;
CREATE TABLE schema_migrations ( version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL );
CREATE TABLE validations ( id INTEGER PRIMARY KEY, -- the suite's name in mlo.yaml, or its file; and the hash of its expectations suite TEXT NOT NULL, suite_hash TEXT NOT NULL, -- the data file as validated (repo-relative inside the repo) and its sha256 data_path TEXT NOT NULL, data_hash TEXT NOT NULL, rows INTEGER NOT NULL, success INTEGER NOT NULL, evaluated INTEGER NOT NULL, successful INTEGER NOT NULL, unsuccessful INTEGER NOT NULL, warnings INTEGER NOT NULL, -- the whole ValidationResult as JSON result TEXT NOT NULL, created_at TEXT NOT NULL );
CREATE INDEX object_refs_by_hash ON object_refs (hash);
CREATE INDEX validations_by_data ON validations (data_hash, suite_hash);
CREATE INDEX validations_by_suite ON validations (suite, id);
