-- 0006: a caller's earlier cases by the phone number the reporter left (CaseFilter.Phone), for
-- the operator's console. An index on the body's field rather than a column of its own: nothing
-- to keep in step with the body, and no column for the audit to compare.
CREATE INDEX cases_reporter_phone ON cases (json_extract(body, '$.reporter.phone'));
