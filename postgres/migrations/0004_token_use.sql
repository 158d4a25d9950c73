-- 0004: the last use of a bearer token (NULL: never used). A token's expires_at now moves forward
-- when it is used (the idle lifetime), up to an absolute cap the domain computes from created_at.
ALTER TABLE tokens ADD COLUMN last_used_at timestamptz;
