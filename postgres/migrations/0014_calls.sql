-- 0014: the hotline's call log (the telephone system's events: ringing, answered, hung up) and
-- its block list. A call's record is its body; the columns are what the log is searched by.
CREATE TABLE calls (
    id         TEXT        PRIMARY KEY,
    caller     TEXT        NOT NULL,
    agent      TEXT        NOT NULL,
    ringing_at TIMESTAMPTZ NOT NULL,
    outcome    TEXT        NOT NULL DEFAULT '',
    version    BIGINT      NOT NULL,
    body       TEXT        NOT NULL
);
CREATE INDEX calls_ringing ON calls (ringing_at);
CREATE INDEX calls_caller ON calls (caller, ringing_at);
CREATE INDEX calls_agent ON calls (agent, ringing_at);

CREATE TABLE call_blocks (
    phone      TEXT        PRIMARY KEY,
    reason     TEXT        NOT NULL,
    by_login   TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ
);
