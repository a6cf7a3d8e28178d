//! The SQLite schema, as ordered migrations. Never edit a released migration: add the next one.

/// Migrations in order; `PRAGMA user_version` records how many have run.
pub const MIGRATIONS: &[&str] = &[
    // 1: accounts, devices, circles, memberships, documents, sync state, invites, access log.
    r#"
    CREATE TABLE server_meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;

    CREATE TABLE accounts (
        id            TEXT PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at    INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE devices (
        id           TEXT PRIMARY KEY,
        account_id   TEXT NOT NULL REFERENCES accounts(id),
        name         TEXT NOT NULL,
        token_hash   TEXT NOT NULL UNIQUE,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        revoked_at   INTEGER
    ) STRICT;
    CREATE INDEX devices_by_account ON devices(account_id);

    CREATE TABLE device_actors (
        actor      TEXT PRIMARY KEY,
        device_id  TEXT NOT NULL REFERENCES devices(id),
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX actors_by_device ON device_actors(device_id);

    CREATE TABLE circles (
        id         TEXT PRIMARY KEY,
        name       TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES accounts(id),
        created_at INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE memberships (
        circle_id    TEXT NOT NULL REFERENCES circles(id),
        account_id   TEXT NOT NULL REFERENCES accounts(id),
        role         TEXT NOT NULL,
        relationship TEXT,
        joined_at    INTEGER NOT NULL,
        revoked_at   INTEGER,
        PRIMARY KEY (circle_id, account_id)
    ) STRICT;
    CREATE INDEX memberships_by_account ON memberships(account_id);
    CREATE UNIQUE INDEX one_consumer_per_circle ON memberships(circle_id)
        WHERE role = 'consumer' AND revoked_at IS NULL;

    CREATE TABLE member_access (
        circle_id  TEXT NOT NULL,
        account_id TEXT NOT NULL,
        kind       TEXT NOT NULL,
        access     TEXT NOT NULL,
        PRIMARY KEY (circle_id, account_id, kind),
        FOREIGN KEY (circle_id, account_id) REFERENCES memberships(circle_id, account_id)
    ) STRICT;

    CREATE TABLE documents (
        id         TEXT PRIMARY KEY,
        circle_id  TEXT NOT NULL REFERENCES circles(id),
        kind       TEXT NOT NULL,
        snapshot   BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (circle_id, kind)
    ) STRICT;

    CREATE TABLE document_chunks (
        document_id TEXT NOT NULL REFERENCES documents(id),
        seq         INTEGER NOT NULL,
        data        BLOB NOT NULL,
        PRIMARY KEY (document_id, seq)
    ) STRICT;

    CREATE TABLE sync_states (
        device_id   TEXT NOT NULL REFERENCES devices(id),
        document_id TEXT NOT NULL REFERENCES documents(id),
        state       BLOB NOT NULL,
        PRIMARY KEY (device_id, document_id)
    ) STRICT;

    CREATE TABLE invites (
        id         TEXT PRIMARY KEY,
        circle_id  TEXT NOT NULL REFERENCES circles(id),
        code_hash  TEXT NOT NULL UNIQUE,
        role       TEXT NOT NULL,
        created_by TEXT NOT NULL REFERENCES accounts(id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at    INTEGER,
        used_by    TEXT REFERENCES accounts(id)
    ) STRICT;

    CREATE TABLE access_log (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        circle_id  TEXT NOT NULL REFERENCES circles(id),
        at         INTEGER NOT NULL,
        account_id TEXT NOT NULL,
        device_id  TEXT,
        action     TEXT NOT NULL,
        kind       TEXT,
        subject    TEXT,
        detail     TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE INDEX access_log_by_circle ON access_log(circle_id, seq);
    "#,
    // 2: invites can be cancelled (by hand, or when their creator is removed or leaves).
    r#"
    ALTER TABLE invites ADD COLUMN cancelled_at INTEGER;
    CREATE INDEX invites_by_circle ON invites(circle_id, created_by);
    "#,
    // 3: a per-document counter bumped by every append, so a writer can tell whether a document
    // changed since it was loaded (and, later, a sync can skip unchanged documents).
    r#"
    ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
    "#,
    // 4: the change clock (changed-only sync): each document's last change gets a server-wide
    // number that only grows (microseconds, or one more than the last), and the access log's
    // membership and access entries are indexed, so a sync learns what changed since a
    // device's cursor without loading a document.
    r#"
    ALTER TABLE documents ADD COLUMN changed_seq INTEGER NOT NULL DEFAULT 0;
    UPDATE documents SET changed_seq = updated_at * 1000;
    CREATE INDEX documents_by_change ON documents(changed_seq);
    CREATE INDEX documents_by_circle_change ON documents(circle_id, changed_seq);
    CREATE INDEX access_log_standing ON access_log(circle_id, seq)
        WHERE action IN ('create_circle', 'join', 'change_access', 'revoke', 'leave');
    "#,
];
