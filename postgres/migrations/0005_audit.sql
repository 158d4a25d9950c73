-- 0005: tamper evidence (dispatcher/audit.go, auditlog.go, checkpoint.go).

-- The key of the digest that each write records of its case in its last event (Case.Seal). It is
-- never served. NULL for a case last written before this migration, until its next write.
ALTER TABLE cases ADD COLUMN seal bytea;

-- The district-wide log: one leaf per event, in event id order, idx counted from 0. The other
-- columns are the fields of the leaf's record, whose hash is the Merkle tree's leaf hash. An event
-- is logged once (event_id is unique). Appenders take the transaction lock (lockSpace, lockAuditLog)
-- of store.go first, so that two instances never append at once.
CREATE TABLE audit_log (
    idx      bigint PRIMARY KEY,
    event_id bigint NOT NULL UNIQUE,
    case_id  bigint NOT NULL,
    number   text   NOT NULL,
    seq      bigint NOT NULL,
    hash     text   NOT NULL
);

-- The stored hashes of the log's Merkle tree, at the indexes of golang.org/x/mod/sumdb/tlog
-- (StoredHashIndex).
CREATE TABLE audit_hashes (
    idx  bigint PRIMARY KEY,
    hash bytea  NOT NULL
);

-- The signed checkpoints issued (cityhub audit checkpoint), by tree size. note is the signed note
-- as published.
CREATE TABLE audit_checkpoints (
    size       bigint      PRIMARY KEY,
    root       bytea       NOT NULL,
    note       text        NOT NULL,
    created_at timestamptz NOT NULL
);
