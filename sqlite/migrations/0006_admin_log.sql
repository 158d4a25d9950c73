-- 0005: the admin log (dispatcher.AdminEntry): every change made through the admin API (accounts,
-- api keys, reference data), who made it, when, and what it was before and after. Each entry is
-- written in the same transaction as its change. body is the JSON of the whole entry; the other
-- columns are copies of its fields kept for filtering.
CREATE TABLE admin_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    body   TEXT    NOT NULL
);
CREATE INDEX admin_log_target ON admin_log (target, id);
