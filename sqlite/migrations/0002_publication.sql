-- 0002: the publication state of a case (dispatcher.Case.IsPublic) and the Open311 api key that
-- submitted it, as columns to filter the public listings on.

ALTER TABLE cases ADD COLUMN public     INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN api_key_id TEXT    NOT NULL DEFAULT '';

-- Cases written before publication was kept follow the intake rule (dispatcher.IntakePublication):
-- Open311 and web reports are public, except 举报 (nature "report"); everything else is private.
UPDATE cases SET public = 1
WHERE channel IN ('open311', 'web') AND json_extract(body, '$.nature') <> 'report';

CREATE INDEX cases_api_key ON cases (api_key_id) WHERE api_key_id <> '';

-- The Open311 updates feed reads the events of a time window.
CREATE INDEX events_at ON events (at);
