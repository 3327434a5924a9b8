CREATE TABLE dir_state ( path TEXT PRIMARY KEY, manifest TEXT NOT NULL, stamps BLOB NOT NULL ) WITHOUT ROWID;
CREATE TABLE hash_state ( path TEXT PRIMARY KEY, inode INTEGER NOT NULL, mtime_ms REAL NOT NULL, size INTEGER NOT NULL, hash TEXT NOT NULL ) WITHOUT ROWID;
CREATE TABLE meta ( key TEXT PRIMARY KEY, value TEXT NOT NULL ) WITHOUT ROWID;
CREATE TABLE object_refs ( kind TEXT NOT NULL, owner TEXT NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (kind, owner, hash) ) WITHOUT ROWID;
CREATE TABLE schema_migrations ( version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL );
CREATE INDEX object_refs_by_hash ON object_refs (hash);
