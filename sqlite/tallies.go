package sqlite

import (
	"context"
	"database/sql"
	"time"

	"cityhub/dispatcher"
)

const dayLayout = "2006-01-02"

// addTallies adds each tally's delta to its counter (creating it at 0 if needed) and, for a
// counter of a day, to the counter of its month.
func addTallies(ctx context.Context, tx *sql.Tx, tallies []dispatcher.Tally) error {
	for _, t := range tallies {
		if t.Delta == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tallies (dim, day, key, measure, count)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (dim, day, key, measure) DO UPDATE SET count = count + excluded.count`,
			t.Dim, t.Day, t.Key, t.Measure, t.Delta); err != nil {
			return err
		}
		if _, err := time.Parse(dayLayout, t.Day); err != nil {
			continue // a gauge
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tally_months (dim, month, key, measure, count)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (dim, month, key, measure) DO UPDATE SET count = count + excluded.count`,
			t.Dim, t.Day[:7], t.Key, t.Measure, t.Delta); err != nil {
			return err
		}
	}
	return nil
}

// tallyQuery sums one dimension's counters over the days of a range's ragged head (?2..?3) and
// tail (?4..?5), the months in between (?6..?7), and adds its gauges. Every part is a range of a
// primary key starting with dim, so the cost follows the rows summed (at most about two months of
// days and the months), not the number of cases. The day ranges leave out the gauges (whose day
// is empty) even when From is empty.
const tallyQuery = `SELECT key, measure, SUM(count) FROM (
		SELECT key, measure, count FROM tallies WHERE dim = ?1 AND day >= ?2 AND day <= ?3 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = ?1 AND day >= ?4 AND day <= ?5 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tally_months WHERE dim = ?1 AND month >= ?6 AND month <= ?7
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = ?1 AND day = ''
	) WHERE substr(key, 1, length(?8)) = ?8 GROUP BY key, measure ORDER BY key, measure`

// Tallies sums the counters of the days q.From..q.To for q.Dim and adds that dimension's gauges,
// of the keys that start with q.Prefix (?8; every key starts with "").
func (s *Store) Tallies(ctx context.Context, q dispatcher.TallyQuery) ([]dispatcher.TallyRow, error) {
	sp := splitDays(q.From, q.To)
	rows, err := s.r.QueryContext(ctx, tallyQuery, q.Dim, sp.headFrom, sp.headTo, sp.tailFrom, sp.tailTo,
		sp.monthFrom, sp.monthTo, q.Prefix)
	if err != nil {
		return nil, storeErr(err, "the tallies could not be read")
	}
	defer rows.Close()
	out := []dispatcher.TallyRow{}
	for rows.Next() {
		var r dispatcher.TallyRow
		if err := rows.Scan(&r.Key, &r.Measure, &r.Count); err != nil {
			return nil, storeErr(err, "the tallies could not be read")
		}
		out = append(out, r)
	}
	return out, storeErr(rows.Err(), "the tallies could not be read")
}

// span is a range of days cut into whole months and the days before and after them. An empty
// part has its from after its to.
type span struct {
	headFrom, headTo, tailFrom, tailTo, monthFrom, monthTo string
}

// splitDays cuts from..to (inclusive days) into the days before its first whole month, its
// whole months, and the days after them. A range without a whole month (or with a day that does
// not parse) is all head.
func splitDays(from, to string) span {
	all := span{headFrom: from, headTo: to, tailFrom: "1", tailTo: "0", monthFrom: "1", monthTo: "0"}
	f, err1 := time.Parse(dayLayout, from)
	t, err2 := time.Parse(dayLayout, to)
	if err1 != nil || err2 != nil {
		return all
	}
	first := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC) // first day of the first whole month
	if f.Day() != 1 {
		first = first.AddDate(0, 1, 0)
	}
	after := t.AddDate(0, 0, 1) // first day after the last whole month
	after = time.Date(after.Year(), after.Month(), 1, 0, 0, 0, 0, time.UTC)
	if !first.Before(after) {
		return all
	}
	return span{
		headFrom: from, headTo: first.AddDate(0, 0, -1).Format(dayLayout),
		monthFrom: first.Format("2006-01"), monthTo: after.AddDate(0, -1, 0).Format("2006-01"),
		tailFrom: after.Format(dayLayout), tailTo: to,
	}
}
