-- Chat sessions and the reference data they link to.
-- Dates are .NET ticks (100 ns since 0001-01-01 UTC) so that SuperOffice's seven fractional digits survive;
-- NULL is the unset date. AUTOINCREMENT keeps ids from being reused after a delete.

CREATE TABLE associate (
    associate_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,                 -- initials / short login name, SuperOffice's Associate.Name
    user_name     TEXT NOT NULL UNIQUE COLLATE NOCASE,
    full_name     TEXT NOT NULL DEFAULT '',
    formal_name   TEXT NOT NULL DEFAULT '',
    person_id     INTEGER NOT NULL DEFAULT 0,
    rank          INTEGER NOT NULL DEFAULT 0,
    tooltip       TEXT NOT NULL DEFAULT '',
    user_type     INTEGER NOT NULL DEFAULT 1,
    group_idx     INTEGER NOT NULL DEFAULT 0,
    deleted       INTEGER NOT NULL DEFAULT 0,
    ej_user_id    INTEGER NOT NULL DEFAULT 0,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'readonly')),
    password_hash TEXT                           -- argon2; NULL = cannot log in
);

CREATE TABLE chat_topic (
    chat_topic_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    welcome_message TEXT NOT NULL DEFAULT ''
);

-- Persons, contacts, projects, sales and tickets: the carrier properties as one JSON object per record.
CREATE TABLE reference_record (
    carrier TEXT NOT NULL,
    id      INTEGER NOT NULL,
    data    TEXT NOT NULL,
    PRIMARY KEY (carrier, id)
) WITHOUT ROWID;

CREATE TABLE chat_session (
    chat_session_id       INTEGER PRIMARY KEY AUTOINCREMENT,
    topic_id              INTEGER NOT NULL DEFAULT 0,
    user_id               INTEGER,
    person_id             INTEGER,
    customer_alias        TEXT CHECK (length(customer_alias) <= 64),
    customer_host         TEXT CHECK (length(customer_host) <= 255),
    customer_name         TEXT CHECK (length(customer_name) <= 255),
    customer_email        TEXT CHECK (length(customer_email) <= 255),
    customer_phone        TEXT CHECK (length(customer_phone) <= 32),
    customer_consented    INTEGER NOT NULL DEFAULT 0,
    customer_company_name TEXT CHECK (length(customer_company_name) <= 255),
    status                INTEGER NOT NULL DEFAULT 0,
    first_message         TEXT CHECK (length(first_message) <= 1024),
    last_message          TEXT CHECK (length(last_message) <= 1024),
    when_requested        INTEGER,
    when_started          INTEGER,
    when_ended            INTEGER,
    when_idle             INTEGER,
    when_fetched          INTEGER,
    session_key           TEXT CHECK (length(session_key) <= 255),
    initial_queue_pos     INTEGER NOT NULL DEFAULT 0,
    alert_level           INTEGER NOT NULL DEFAULT 0,
    rank                  INTEGER NOT NULL DEFAULT 0,
    flags                 INTEGER NOT NULL DEFAULT 0,
    contact_id            INTEGER,
    project_id            INTEGER,
    sale_id               INTEGER,
    ticket_id             INTEGER,
    transfer_to_id        INTEGER,
    chatbot_is_active     INTEGER NOT NULL DEFAULT 0,
    rating                INTEGER NOT NULL DEFAULT 0,
    -- Bookkeeping that is not part of the entity: a counter for optimistic concurrency and the last write.
    row_version           INTEGER NOT NULL DEFAULT 1,
    updated_ticks         INTEGER NOT NULL
);

CREATE INDEX chat_session_topic ON chat_session (topic_id);
CREATE INDEX chat_session_user ON chat_session (user_id);
CREATE INDEX chat_session_status_topic ON chat_session (status, topic_id, chat_session_id);
