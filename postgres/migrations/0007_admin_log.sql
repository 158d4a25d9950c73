-- 0006: the admin log (dispatcher.AdminEntry): every change made through the admin API (accounts,
-- api keys, reference data), who made it, when, and what it was before and after. Each entry is
-- written in the same transaction as its change. body is the JSON of the whole entry as text; the
-- other columns are copies of its fields kept for filtering.
CREATE TABLE admin_log (
    id     bigserial   PRIMARY KEY,
    at     timestamptz NOT NULL,
    actor  text        NOT NULL,
    action text        NOT NULL,
    target text        NOT NULL,
    body   text        NOT NULL
);
CREATE INDEX admin_log_target ON admin_log (target, id);
