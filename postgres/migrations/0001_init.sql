-- 0001: the first schema. Migrations are append-only: never edit a file once it has shipped, add
-- the next number instead. Each file runs in one transaction.

-- Times are timestamptz (microseconds). body columns hold the JSON encoding of the whole domain
-- value as text: never jsonb, which reorders keys and would break the hash chain over Event.Data.
-- The other columns are copies of body fields kept for filtering.

-- Ids come from plain sequences. CACHE 1 matters for event_ids: a backend that cached a range of
-- ids would hand them out out of order with the other backends, and the event-id scheme (see
-- write.go) relies on ids being drawn in the order of the advisory lock that guards the drawing.
CREATE SEQUENCE case_ids CACHE 1;
CREATE SEQUENCE event_ids CACHE 1;

CREATE TABLE cases (
    id           bigint      PRIMARY KEY,
    number       text        NOT NULL UNIQUE,
    state        text        NOT NULL,
    owner        text        NOT NULL,
    unit         text        NOT NULL,
    channel      text        NOT NULL,
    external_id  text        NOT NULL DEFAULT '',
    category     text        NOT NULL,
    jurisdiction text        NOT NULL,
    overdue      boolean     NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    next_due     timestamptz,
    version      bigint      NOT NULL,
    body         text        NOT NULL
);

-- One accepted case per channel message (storeErr maps a violation of this index to EDuplicate by
-- its name).
CREATE UNIQUE INDEX cases_external ON cases (channel, external_id) WHERE external_id <> '';
CREATE INDEX cases_state        ON cases (state);
CREATE INDEX cases_owner        ON cases (owner);
CREATE INDEX cases_unit         ON cases (unit);
CREATE INDEX cases_channel      ON cases (channel);
CREATE INDEX cases_category     ON cases (category);
CREATE INDEX cases_jurisdiction ON cases (jurisdiction);
CREATE INDEX cases_created      ON cases (created_at);
CREATE INDEX cases_updated      ON cases (updated_at);
CREATE INDEX cases_overdue      ON cases (id) WHERE overdue;
CREATE INDEX cases_next_due     ON cases (next_due, id) WHERE next_due IS NOT NULL;

-- Every unit that owns or has owned a case (Case.Owners), for CaseFilter.VisibleTo.
CREATE TABLE case_units (
    unit    text   NOT NULL,
    case_id bigint NOT NULL REFERENCES cases (id),
    PRIMARY KEY (unit, case_id)
);
CREATE INDEX case_units_case ON case_units (case_id);

-- The event log. xid is the top-level transaction id of the transaction that wrote the event:
-- readers return only events whose xid is below a horizon that every writer of a smaller id has
-- passed (events.go). visible holds Event.Visible (a JSON array), which the JSON encoding of an Event leaves out.
CREATE TABLE events (
    id      bigint      PRIMARY KEY,
    case_id bigint      NOT NULL REFERENCES cases (id),
    seq     bigint      NOT NULL,
    type    text        NOT NULL,
    at      timestamptz NOT NULL,
    xid     xid8        NOT NULL,
    visible text        NOT NULL,
    body    text        NOT NULL,
    UNIQUE (case_id, seq)
);

-- Counters (day 'YYYY-MM-DD') and gauges (day ''). A counter is spread over slots: concurrent
-- writers of one hub add to different rows of the same counter, so that they do not queue on one
-- row lock until each other's commit (which would defeat PostgreSQL's group commit). A lone
-- writer always uses one slot. Readers sum the slots. The key starts with dim so that one
-- dimension's range of days is one contiguous range of the index.
CREATE TABLE tallies (
    dim     text COLLATE "C" NOT NULL,
    day     text COLLATE "C" NOT NULL,
    key     text COLLATE "C" NOT NULL,
    measure text COLLATE "C" NOT NULL,
    slot    smallint         NOT NULL,
    count   bigint           NOT NULL,
    PRIMARY KEY (dim, day, key, measure, slot)
);

-- The counters of tallies summed by month ('YYYY-MM'), kept in the same transactions, so that a
-- long range of days reads whole months here and only its ragged ends in tallies.
CREATE TABLE tally_months (
    dim     text COLLATE "C" NOT NULL,
    month   text COLLATE "C" NOT NULL,
    key     text COLLATE "C" NOT NULL,
    measure text COLLATE "C" NOT NULL,
    slot    smallint         NOT NULL,
    count   bigint           NOT NULL,
    PRIMARY KEY (dim, month, key, measure, slot)
);

CREATE TABLE reference (
    id       integer     PRIMARY KEY CHECK (id = 1),
    version  bigint      NOT NULL,
    saved_at timestamptz NOT NULL,
    body     text        NOT NULL
);

CREATE TABLE accounts (
    login         text        PRIMARY KEY,
    name          text        NOT NULL,
    role          text        NOT NULL,
    unit          text        NOT NULL,
    disabled      boolean     NOT NULL,
    password_hash text        NOT NULL,
    created_at    timestamptz NOT NULL,
    body          text        NOT NULL
);

CREATE TABLE tokens (
    hash       text        PRIMARY KEY,
    login      text        NOT NULL REFERENCES accounts (login) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX tokens_login   ON tokens (login);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE api_keys (
    hash       text        PRIMARY KEY,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL,
    disabled   boolean     NOT NULL
);
