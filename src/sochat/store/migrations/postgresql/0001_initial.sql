-- Chat sessions and the reference data they link to; the same tables as sqlite/0001_initial.sql.
-- Dates are .NET ticks (100 ns since 0001-01-01 UTC) in BIGINT so that SuperOffice's seven fractional digits
-- survive; NULL is the unset date. Ids come from identity columns (sequences), so an id is never reused after a
-- delete; GENERATED ALWAYS refuses an explicit id, which could collide with a later one.

CREATE TABLE associate (
    associate_id  INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT NOT NULL,                 -- initials / short login name, SuperOffice's Associate.Name
    user_name     TEXT NOT NULL,                 -- unique ignoring ASCII case: see associate_user_name
    full_name     TEXT NOT NULL DEFAULT '',
    formal_name   TEXT NOT NULL DEFAULT '',
    person_id     INTEGER NOT NULL DEFAULT 0,
    rank          INTEGER NOT NULL DEFAULT 0,
    tooltip       TEXT NOT NULL DEFAULT '',
    user_type     INTEGER NOT NULL DEFAULT 1,
    group_idx     INTEGER NOT NULL DEFAULT 0,
    deleted       BOOLEAN NOT NULL DEFAULT FALSE,
    ej_user_id    INTEGER NOT NULL DEFAULT 0,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'readonly')),
    password_hash TEXT                           -- argon2; NULL = cannot log in
);

-- SQLite's COLLATE NOCASE: lower() under the "C" collation folds ASCII letters only, whatever the database locale.
CREATE UNIQUE INDEX associate_user_name ON associate (lower(user_name COLLATE "C"));

CREATE TABLE chat_topic (
    chat_topic_id   INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    welcome_message TEXT NOT NULL DEFAULT ''
);

-- Persons, contacts, projects, sales and tickets: the carrier properties as one JSON object per record.
-- JSON, not JSONB: it keeps the properties in the order they were written.
CREATE TABLE reference_record (
    carrier TEXT NOT NULL,
    id      INTEGER NOT NULL,
    data    JSON NOT NULL,
    PRIMARY KEY (carrier, id)
);

-- The strings compare, sort and match case-insensitively (ILIKE) under the "C" collation, as SQLite's BINARY
-- columns and ASCII-only LIKE do, whatever locale the database was created with: lists page the same way on both.
CREATE TABLE chat_session (
    chat_session_id       INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_id              INTEGER NOT NULL DEFAULT 0,
    user_id               INTEGER,
    person_id             INTEGER,
    customer_alias        TEXT COLLATE "C" CHECK (char_length(customer_alias) <= 64),
    customer_host         TEXT COLLATE "C" CHECK (char_length(customer_host) <= 255),
    customer_name         TEXT COLLATE "C" CHECK (char_length(customer_name) <= 255),
    customer_email        TEXT COLLATE "C" CHECK (char_length(customer_email) <= 255),
    customer_phone        TEXT COLLATE "C" CHECK (char_length(customer_phone) <= 32),
    customer_consented    BOOLEAN NOT NULL DEFAULT FALSE,
    customer_company_name TEXT COLLATE "C" CHECK (char_length(customer_company_name) <= 255),
    status                INTEGER NOT NULL DEFAULT 0,
    first_message         TEXT COLLATE "C" CHECK (char_length(first_message) <= 1024),
    last_message          TEXT COLLATE "C" CHECK (char_length(last_message) <= 1024),
    when_requested        BIGINT,
    when_started          BIGINT,
    when_ended            BIGINT,
    when_idle             BIGINT,
    when_fetched          BIGINT,
    session_key           TEXT COLLATE "C" CHECK (char_length(session_key) <= 255),
    initial_queue_pos     INTEGER NOT NULL DEFAULT 0,
    alert_level           INTEGER NOT NULL DEFAULT 0,
    rank                  INTEGER NOT NULL DEFAULT 0,
    flags                 INTEGER NOT NULL DEFAULT 0,
    contact_id            INTEGER,
    project_id            INTEGER,
    sale_id               INTEGER,
    ticket_id             INTEGER,
    transfer_to_id        INTEGER,
    chatbot_is_active     BOOLEAN NOT NULL DEFAULT FALSE,
    rating                INTEGER NOT NULL DEFAULT 0,
    -- Bookkeeping that is not part of the entity: a counter for optimistic concurrency and the last write.
    row_version           INTEGER NOT NULL DEFAULT 1,
    updated_ticks         BIGINT NOT NULL
);

CREATE INDEX chat_session_topic ON chat_session (topic_id);
CREATE INDEX chat_session_user ON chat_session (user_id);
CREATE INDEX chat_session_status_topic ON chat_session (status, topic_id, chat_session_id);
