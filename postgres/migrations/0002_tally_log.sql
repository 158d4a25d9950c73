-- 0002: the tally log (see fold.go). A case write no longer adds to counters: it appends one row
-- of tally deltas to tally_log, and the store's folders move batches of those rows into tallies
-- and tally_months, one upsert per counter per batch. Counters are no longer spread over slots
-- (only folders write them now, a few times a second): the slots of each counter are summed into
-- one row.

-- One row per case write: its tally deltas summed per counter (zero sums left out) as parallel
-- arrays. monthly[i] says whether day[i] is a day that rolls up into tally_months (a gauge, whose
-- day is '', does not). The primary key is the only index: folders take the oldest rows first.
CREATE TABLE tally_log (
    id      bigint   GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dim     text[]   COLLATE "C" NOT NULL,
    day     text[]   COLLATE "C" NOT NULL,
    key     text[]   COLLATE "C" NOT NULL,
    measure text[]   COLLATE "C" NOT NULL,
    delta   bigint[] NOT NULL,
    monthly boolean[] NOT NULL
);

CREATE TABLE tallies_folded (
    dim     text COLLATE "C" NOT NULL,
    day     text COLLATE "C" NOT NULL,
    key     text COLLATE "C" NOT NULL,
    measure text COLLATE "C" NOT NULL,
    count   bigint           NOT NULL,
    CONSTRAINT tallies_folded_pkey PRIMARY KEY (dim, day, key, measure)
);
INSERT INTO tallies_folded (dim, day, key, measure, count)
    SELECT dim, day, key, measure, SUM(count) FROM tallies GROUP BY dim, day, key, measure;
DROP TABLE tallies;
ALTER TABLE tallies_folded RENAME TO tallies;
ALTER INDEX tallies_folded_pkey RENAME TO tallies_pkey;

CREATE TABLE tally_months_folded (
    dim     text COLLATE "C" NOT NULL,
    month   text COLLATE "C" NOT NULL,
    key     text COLLATE "C" NOT NULL,
    measure text COLLATE "C" NOT NULL,
    count   bigint           NOT NULL,
    CONSTRAINT tally_months_folded_pkey PRIMARY KEY (dim, month, key, measure)
);
INSERT INTO tally_months_folded (dim, month, key, measure, count)
    SELECT dim, month, key, measure, SUM(count) FROM tally_months GROUP BY dim, month, key, measure;
DROP TABLE tally_months;
ALTER TABLE tally_months_folded RENAME TO tally_months;
ALTER INDEX tally_months_folded_pkey RENAME TO tally_months_pkey;
