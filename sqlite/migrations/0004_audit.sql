-- 0004: tamper evidence (dispatcher/audit.go, auditlog.go, checkpoint.go).

-- The key of the digest that each write records of its case in its last event (Case.Seal). It is
-- never served. NULL for a case last written before this migration, until its next write.
ALTER TABLE cases ADD COLUMN seal BLOB;

-- The district-wide log: one leaf per event, in event id order, idx counted from 0. The other
-- columns are the fields of the leaf's record, whose hash is the Merkle tree's leaf hash. An event
-- is logged once (event_id is unique).
CREATE TABLE audit_log (
    idx      INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL UNIQUE,
    case_id  INTEGER NOT NULL,
    number   TEXT    NOT NULL,
    seq      INTEGER NOT NULL,
    hash     TEXT    NOT NULL
);

-- The stored hashes of the log's Merkle tree, at the indexes of golang.org/x/mod/sumdb/tlog
-- (StoredHashIndex).
CREATE TABLE audit_hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB    NOT NULL
);

-- The signed checkpoints issued (cityhub audit checkpoint), by tree size. note is the signed note
-- as published.
CREATE TABLE audit_checkpoints (
    size       INTEGER PRIMARY KEY,
    root       BLOB    NOT NULL,
    note       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
