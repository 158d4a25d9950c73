package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityhub/dispatcher"
)

// seriesDays sums a dimension's counters per day of ?2..?3; seriesMonths per month, reading the
// whole months ?6..?7 from tally_months and the ragged head ?2..?3 and tail ?4..?5 from the days,
// so that a two-year monthly series reads 24 rollups per counter, not 730 days. Both are ranges of
// a primary key starting with dim. %s is the measure condition.
const (
	seriesDays = `SELECT day, key, measure, SUM(count) FROM tallies
		WHERE dim = ?1 AND day >= ?2 AND day <= ?3 AND day <> ''%s
		GROUP BY day, key, measure ORDER BY day, key, measure`
	seriesMonths = `SELECT period, key, measure, SUM(count) FROM (
		SELECT substr(day, 1, 7) AS period, key, measure, count FROM tallies
			WHERE dim = ?1 AND (day >= ?2 AND day <= ?3 OR day >= ?4 AND day <= ?5) AND day <> ''%[1]s
		UNION ALL
		SELECT month, key, measure, count FROM tally_months WHERE dim = ?1 AND month >= ?6 AND month <= ?7%[1]s
	) GROUP BY period, key, measure ORDER BY period, key, measure`
)

// TallySeries sums q.Dim's counters per day or per month of q.From..q.To.
func (s *Store) TallySeries(ctx context.Context, q dispatcher.TallySeriesQuery) ([]dispatcher.TallyPoint, error) {
	args := []any{q.Dim, q.From, q.To, "1", "0", "1", "0"}
	query := seriesDays
	if q.Monthly {
		sp := splitDays(q.From, q.To)
		args = []any{q.Dim, sp.headFrom, sp.headTo, sp.tailFrom, sp.tailTo, sp.monthFrom, sp.monthTo}
		query = seriesMonths
	}
	cond := ""
	if len(q.Measures) > 0 {
		marks := make([]string, len(q.Measures))
		for i, m := range q.Measures {
			marks[i] = fmt.Sprintf("?%d", len(args)+1)
			args = append(args, m)
		}
		cond = " AND measure IN (" + strings.Join(marks, ", ") + ")"
	}
	out := []dispatcher.TallyPoint{}
	err := s.read(ctx, "the tallies could not be read", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(query, cond), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p dispatcher.TallyPoint
			if err := rows.Scan(&p.Period, &p.Key, &p.Measure, &p.Count); err != nil {
				return err
			}
			out = append(out, p)
		}
		return rows.Err()
	})
	return out, err
}
