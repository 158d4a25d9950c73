-- 0008: the cases behind a measure (CaseFilter.Event, GET /api/v1/measures/cases): events of some
-- types in a range of time, without reading every event. case_id is in the index so that the
-- search never reads the events' rows unless it must look into their data.
CREATE INDEX events_type_at ON events (type, at, case_id);
