-- Idempotency-Key: which session a caller's key created, so a retried create answers it instead of
-- creating a second one. Rows expire; expired rows are removed when the same key comes again or by
-- the periodic cleanup in the store.
CREATE TABLE idempotency_key (
    owner            INTEGER NOT NULL,
    key              TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    chat_session_id  INTEGER NOT NULL,
    expires_ticks    INTEGER NOT NULL,
    PRIMARY KEY (owner, key)
) WITHOUT ROWID;

CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_ticks);
