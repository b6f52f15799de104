-- Credentials other than passwords: SOTicket tickets, OAuth access tokens (Bearer), browser sessions
-- (cookie + XSRF), registered applications (SO-AppToken), and failed-login counters for lockout.
-- Only SHA-256 hashes of the random secrets are stored; a database leak reveals no usable credential.
-- The same tables as sqlite/0003_auth.sql; PostgreSQL enforces the foreign keys.

CREATE TABLE auth_token (
    token_hash    TEXT PRIMARY KEY,            -- sha256 hex of the whole token
    kind          TEXT NOT NULL CHECK (kind IN ('ticket', 'access', 'session')),
    associate_id  INTEGER NOT NULL REFERENCES associate (associate_id) ON DELETE CASCADE,
    xsrf_hash     TEXT,                        -- sessions only: sha256 of the XSRF-TOKEN value issued with it
    app_id        INTEGER,                     -- the application a token was issued to, if any
    created_ticks BIGINT NOT NULL,
    expires_ticks BIGINT NOT NULL,             -- absolute end of life
    idle_ticks    BIGINT NOT NULL DEFAULT 0,   -- > 0: also expires this long after last use
    used_ticks    BIGINT NOT NULL,             -- last use (updated at most once a minute)
    revoked       BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE INDEX auth_token_associate ON auth_token (associate_id);

CREATE TABLE application (
    app_id        INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,               -- unique ignoring ASCII case: see application_name
    token_hash    TEXT NOT NULL UNIQUE,
    owner_id      INTEGER REFERENCES associate (associate_id) ON DELETE SET NULL, -- acts as this user (client credentials)
    created_ticks BIGINT NOT NULL,
    revoked       BOOLEAN NOT NULL DEFAULT FALSE
);

-- SQLite's COLLATE NOCASE, as for associate.user_name.
CREATE UNIQUE INDEX application_name ON application (lower(name COLLATE "C"));

CREATE TABLE auth_failure (
    key           TEXT PRIMARY KEY,            -- 'user:<lower-case name>' or 'addr:<client address>'
    failures      INTEGER NOT NULL,
    window_ticks  BIGINT NOT NULL,             -- start of the counting window
    locked_until  BIGINT NOT NULL DEFAULT 0
);
