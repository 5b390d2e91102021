-- The access store (SQLite, beside the DuckDB file): who may sign in, their sessions, failed
-- sign-ins for rate limiting, the append-only access log, and the program's secrets.
PRAGMA journal_mode = WAL;

CREATE TABLE IF NOT EXISTS app_user (
    name          TEXT PRIMARY KEY COLLATE NOCASE,
    roles         TEXT NOT NULL,      -- comma-separated: admin, manager, compliance, analyst
    password_hash TEXT,               -- argon2id; NULL: signs in only through OpenID Connect
    created_at    TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    epoch         INTEGER NOT NULL DEFAULT 0  -- raised by every change: older sessions end
);

CREATE TABLE IF NOT EXISTS app_session (
    token_hash TEXT PRIMARY KEY,      -- sha256 of the cookie's token; the token is never stored
    user_name  TEXT NOT NULL,
    epoch      INTEGER NOT NULL,
    method     TEXT NOT NULL,         -- password or oidc
    created_at REAL NOT NULL,
    seen_at    REAL NOT NULL,
    ended_at   REAL
);

CREATE TABLE IF NOT EXISTS failed_sign_in (
    user_key TEXT NOT NULL,
    address  TEXT NOT NULL,
    at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failed_sign_in_at ON failed_sign_in (at);

CREATE TABLE IF NOT EXISTS access_log (
    id            INTEGER PRIMARY KEY,
    at            TEXT NOT NULL,      -- UTC, ISO 8601
    event         TEXT NOT NULL,
    user_name     TEXT,
    roles         TEXT,
    address       TEXT,
    detail        TEXT,
    row_count     INTEGER,
    previous_hash TEXT NOT NULL,
    hash          TEXT NOT NULL       -- sha256 over previous_hash and this row: a chain
);

CREATE TRIGGER IF NOT EXISTS access_log_no_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

CREATE TRIGGER IF NOT EXISTS access_log_no_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;

-- Users that `unlisted demo` made (demo data only): the sign-in page names them and their roles,
-- never their passwords. A user removed stops being one.
CREATE TABLE IF NOT EXISTS demo_user (
    name TEXT PRIMARY KEY COLLATE NOCASE
);

CREATE TRIGGER IF NOT EXISTS demo_user_removed AFTER DELETE ON app_user
BEGIN
    DELETE FROM demo_user WHERE name = old.name;
END;

CREATE TABLE IF NOT EXISTS app_secret (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
