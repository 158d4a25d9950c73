-- 0014: a call's handling seconds as a column, so that the call measures (asked with every
-- district measures report) are one aggregate instead of reading each call's body.
ALTER TABLE calls ADD COLUMN seconds INTEGER NOT NULL DEFAULT 0;
UPDATE calls SET seconds = COALESCE(json_extract(body, '$.seconds'), 0);
CREATE INDEX calls_ringing_outcome ON calls (ringing_at, outcome, seconds);
