-- 0010: the shared key-value space (dispatcher.KV) and the outbox of messages owed to citizens
-- (dispatcher.Outbox). Times are microseconds since the Unix epoch, as elsewhere.

-- One row per key. expires_at NULL: never expires. An expired row stays until KVSweep deletes it
-- or a claim (KVPut with rev 0) replaces it; readers treat it as absent.
CREATE TABLE kv (
    key        TEXT    PRIMARY KEY,
    value      BLOB    NOT NULL,
    rev        INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;

-- The last revision handed out, for every key: revisions grow across deletes and expiry, so a
-- compare-and-set holding the revision of an entry that expired (or was deleted) can never match
-- the entry that replaced it.
CREATE TABLE kv_rev (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    rev INTEGER NOT NULL
);
INSERT INTO kv_rev (id, rev) VALUES (1, 0);

-- Messages owed to citizens. AUTOINCREMENT: an id is never reused, even after rows are deleted.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT    NOT NULL UNIQUE,
    channel    TEXT    NOT NULL,
    case_id    INTEGER NOT NULL DEFAULT 0,
    payload    BLOB    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_at    INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    gave_up    INTEGER NOT NULL DEFAULT 0,
    last_error TEXT    NOT NULL DEFAULT ''
);
-- OutboxClaim: the due items of a channel, by next_at, among those still to send.
CREATE INDEX outbox_due ON outbox (channel, next_at) WHERE sent_at IS NULL AND gave_up = 0;
-- OutboxItems: a case's items.
CREATE INDEX outbox_case ON outbox (case_id, id) WHERE case_id <> 0;
