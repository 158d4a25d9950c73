-- 0011: a WeChat citizen's own cases by OpenID (CaseFilter.OpenID: 查询 in the conversation), and the
-- shift leader's queue of cases whose reporter answered 不满意 (CaseFilter.Review). Indexes on the
-- body's fields, as for the phone (0007); the review index holds only the cases under review.
CREATE INDEX cases_reporter_openid ON cases (json_extract(body, '$.reporter.openid'))
    WHERE json_extract(body, '$.reporter.openid') IS NOT NULL;
CREATE INDEX cases_review ON cases (json_extract(body, '$.review'))
    WHERE json_extract(body, '$.review') IS NOT NULL;
