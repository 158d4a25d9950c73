-- 0012: who reported a case's problem besides its first reporter, as an index beside the case
-- body (which stays the record): the reports joined to a case at intake (Case.Reports), and the
-- reporters of a case merged into another, under that other case. A caller's history
-- (CaseFilter.Phone), a WeChat citizen's own cases (CaseFilter.OpenID), a retried channel message
-- (CaseByExternalID) and the cases merged into one (CaseFilter.MergedInto) read it.
-- source_id is the case whose body holds the report: case_id itself for a joined report, the
-- merged case for a merged one; seq is the report's (0: that case's own first reporter).
CREATE TABLE case_reporters (
    case_id     INTEGER NOT NULL REFERENCES cases (id),
    source_id   INTEGER NOT NULL REFERENCES cases (id),
    seq         INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    phone       TEXT NOT NULL DEFAULT '',
    openid      TEXT NOT NULL DEFAULT '',
    external_id TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, source_id, seq)
);
CREATE INDEX case_reporters_phone ON case_reporters (phone) WHERE phone <> '';
CREATE INDEX case_reporters_openid ON case_reporters (openid) WHERE openid <> '';
CREATE INDEX case_reporters_external ON case_reporters (channel, external_id) WHERE external_id <> '';
CREATE INDEX case_reporters_source ON case_reporters (source_id);
