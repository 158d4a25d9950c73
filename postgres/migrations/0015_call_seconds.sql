-- 0015: a call's handling seconds as a column, so that the call measures (asked with every
-- district measures report) are one aggregate instead of reading each call's body.
ALTER TABLE calls ADD COLUMN seconds BIGINT NOT NULL DEFAULT 0;
UPDATE calls SET seconds = COALESCE((body::jsonb ->> 'seconds')::bigint, 0);
