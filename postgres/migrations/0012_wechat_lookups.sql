-- 0012: a WeChat citizen's own cases by OpenID (CaseFilter.OpenID: 查询 in the conversation), and the
-- shift leader's queue of cases whose reporter answered 不满意 (CaseFilter.Review). Indexes on the
-- body's fields, as for the phone (0008); the review index holds only the cases under review.
CREATE INDEX cases_reporter_openid ON cases ((body::jsonb #>> '{reporter,openid}'))
    WHERE (body::jsonb #>> '{reporter,openid}') IS NOT NULL;
CREATE INDEX cases_review ON cases ((body::jsonb #>> '{review}'))
    WHERE (body::jsonb #>> '{review}') IS NOT NULL;
