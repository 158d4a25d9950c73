-- 0011: the shared key-value space (dispatcher.KV) and the outbox of messages owed to citizens
-- (dispatcher.Outbox), shared by every hub instance.

-- Revisions of every key come from one sequence: they grow across deletes and expiry, so a
-- compare-and-set holding the revision of an entry that expired (or was deleted) can never match
-- the entry that replaced it.
CREATE SEQUENCE kv_revs;

-- One row per key. expires_at NULL: never expires. An expired row stays until KVSweep deletes it
-- or a claim (KVPut with rev 0) replaces it; readers treat it as absent.
CREATE TABLE kv (
    key        text        PRIMARY KEY,
    value      bytea       NOT NULL,
    rev        bigint      NOT NULL,
    expires_at timestamptz
);
CREATE INDEX kv_expires ON kv (expires_at) WHERE expires_at IS NOT NULL;

-- Messages owed to citizens.
CREATE TABLE outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key        text        NOT NULL UNIQUE,
    channel    text        NOT NULL,
    case_id    bigint      NOT NULL DEFAULT 0,
    payload    bytea       NOT NULL,
    attempts   integer     NOT NULL DEFAULT 0,
    next_at    timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    sent_at    timestamptz,
    gave_up    boolean     NOT NULL DEFAULT false,
    last_error text        NOT NULL DEFAULT ''
);
-- OutboxClaim: the due items of a channel, by next_at, among those still to send.
CREATE INDEX outbox_due ON outbox (channel, next_at) WHERE sent_at IS NULL AND NOT gave_up;
-- OutboxItems: a case's items.
CREATE INDEX outbox_case ON outbox (case_id, id) WHERE case_id <> 0;
