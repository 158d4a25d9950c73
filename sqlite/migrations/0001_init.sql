-- 0001: the first schema. Migrations are append-only: never edit a file once it has shipped,
-- add the next number instead.

-- Times are INTEGER microseconds since the Unix epoch (UTC). body columns hold the JSON encoding
-- of the whole domain value; the other columns are copies of its fields kept for filtering.

CREATE TABLE cases (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    number       TEXT    NOT NULL UNIQUE,
    state        TEXT    NOT NULL,
    owner        TEXT    NOT NULL,
    unit         TEXT    NOT NULL,
    channel      TEXT    NOT NULL,
    external_id  TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL,
    jurisdiction TEXT    NOT NULL,
    overdue      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    next_due     INTEGER,
    version      INTEGER NOT NULL,
    body         TEXT    NOT NULL
);

-- One accepted case per channel message.
CREATE UNIQUE INDEX cases_external ON cases (channel, external_id) WHERE external_id <> '';
CREATE INDEX cases_state        ON cases (state);
CREATE INDEX cases_owner        ON cases (owner);
CREATE INDEX cases_unit         ON cases (unit);
CREATE INDEX cases_channel      ON cases (channel);
CREATE INDEX cases_category     ON cases (category);
CREATE INDEX cases_jurisdiction ON cases (jurisdiction);
CREATE INDEX cases_created      ON cases (created_at);
CREATE INDEX cases_updated      ON cases (updated_at);
CREATE INDEX cases_overdue      ON cases (id) WHERE overdue = 1;
CREATE INDEX cases_next_due     ON cases (next_due) WHERE next_due IS NOT NULL;

-- Every unit that owns or has owned a case (Case.Owners), for CaseFilter.VisibleTo.
CREATE TABLE case_units (
    unit    TEXT    NOT NULL,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    PRIMARY KEY (unit, case_id)
) WITHOUT ROWID;
CREATE INDEX case_units_case ON case_units (case_id);

-- The event log. AUTOINCREMENT: an ID is never reused. visible holds Event.Visible (a JSON array),
-- which the JSON encoding of an Event leaves out.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    seq     INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    visible TEXT    NOT NULL,
    body    TEXT    NOT NULL,
    UNIQUE (case_id, seq)
);

-- Counters (day 'YYYY-MM-DD') and gauges (day ''). The key starts with dim so that one
-- dimension's range of days is one contiguous range of the table.
CREATE TABLE tallies (
    dim     TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    measure TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (dim, day, key, measure)
) WITHOUT ROWID;

-- The counters of tallies summed by month ('YYYY-MM'), kept in the same transactions, so that a
-- long range of days reads whole months here and only its ragged ends in tallies.
CREATE TABLE tally_months (
    dim     TEXT    NOT NULL,
    month   TEXT    NOT NULL,
    key     TEXT    NOT NULL,
    measure TEXT    NOT NULL,
    count   INTEGER NOT NULL,
    PRIMARY KEY (dim, month, key, measure)
) WITHOUT ROWID;

CREATE TABLE reference (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    version  INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    body     TEXT    NOT NULL
);

CREATE TABLE accounts (
    login         TEXT    PRIMARY KEY,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    unit          TEXT    NOT NULL,
    disabled      INTEGER NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT    NOT NULL
);

CREATE TABLE tokens (
    hash       TEXT    PRIMARY KEY,
    login      TEXT    NOT NULL REFERENCES accounts (login) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX tokens_login   ON tokens (login);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE api_keys (
    hash       TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    disabled   INTEGER NOT NULL
);
