package postgres

import (
	"context"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// seriesQuery sums a dimension's counters per day ($8 false) or per month ($8 true) of a range:
// the days of its ragged head ($2..$3) and tail ($4..$5) from tallies, its whole months ($6..$7)
// from tally_months (for a daily series the caller makes the range all head), and, as Tallies
// does, the log rows not yet folded, in the same statement so under the same snapshot (fold.go).
// $9 names the measures (NULL: all).
const seriesQuery = `SELECT period, key, measure, SUM(count)::bigint FROM (
		SELECT CASE WHEN $8 THEN left(day, 7) ELSE day END AS period, key, measure, count FROM tallies
			WHERE dim = $1 AND (day >= $2 AND day <= $3 OR day >= $4 AND day <= $5) AND day <> ''
			AND ($9::text[] IS NULL OR measure = ANY($9))
		UNION ALL
		SELECT month, key, measure, count FROM tally_months
			WHERE dim = $1 AND month >= $6 AND month <= $7 AND ($9::text[] IS NULL OR measure = ANY($9))
		UNION ALL
		SELECT CASE WHEN $8 THEN left(day, 7) ELSE day END, key, measure, delta FROM (
			SELECT unnest(dim) AS dim, unnest(day) AS day, unnest(key) AS key, unnest(measure) AS measure,
				unnest(delta) AS delta FROM tally_log) AS u
		WHERE dim = $1 AND day <> '' AND (day >= $2 AND day <= $3 OR day >= $4 AND day <= $5
			OR left(day, 7) >= $6 AND left(day, 7) <= $7)
			AND ($9::text[] IS NULL OR measure = ANY($9))
	) AS parts GROUP BY period, key, measure ORDER BY period, key, measure`

// TallySeries sums q.Dim's counters per day or per month of q.From..q.To.
func (s *Store) TallySeries(ctx context.Context, q dispatcher.TallySeriesQuery) ([]dispatcher.TallyPoint, error) {
	sp := span{headFrom: q.From, headTo: q.To, tailFrom: "1", tailTo: "0", monthFrom: "1", monthTo: "0"}
	if q.Monthly {
		sp = splitDays(q.From, q.To)
	}
	var measures []string
	if len(q.Measures) > 0 {
		measures = q.Measures
	}
	out := []dispatcher.TallyPoint{}
	err := s.query(ctx, "the tallies could not be read", func(ctx context.Context, db querier) error {
		rows, err := db.Query(ctx, seriesQuery, q.Dim, sp.headFrom, sp.headTo, sp.tailFrom, sp.tailTo,
			sp.monthFrom, sp.monthTo, q.Monthly, measures)
		if err != nil {
			return err
		}
		var p dispatcher.TallyPoint
		_, err = pgx.ForEachRow(rows, []any{&p.Period, &p.Key, &p.Measure, &p.Count}, func() error {
			out = append(out, p)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
