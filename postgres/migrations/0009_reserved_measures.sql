-- 0009: reserved for the measures branch (issue 13, helper A), whose 0009 replaces this file when
-- the branches are merged: delete this file then. It exists only so that the hotspots branch,
-- whose migration is 0010, runs on its own (the migrations must be numbered without a gap).
SELECT 1;
