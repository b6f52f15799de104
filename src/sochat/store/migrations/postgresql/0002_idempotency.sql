-- Idempotency-Key: which session a caller's key created, so a retried create answers it instead of
-- creating a second one. Rows expire; an expired row is removed when the same key comes again.
CREATE TABLE idempotency_key (
    owner            INTEGER NOT NULL,
    key              TEXT NOT NULL,
    fingerprint      TEXT NOT NULL,
    chat_session_id  INTEGER NOT NULL,
    expires_ticks    BIGINT NOT NULL,
    PRIMARY KEY (owner, key)
);

CREATE INDEX idempotency_key_expiry ON idempotency_key (expires_ticks);
