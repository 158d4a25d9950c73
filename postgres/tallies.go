package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

const dayLayout = "2006-01-02"

type tallyKey struct{ dim, day, key, measure string }

func compareTallyKeys(a, b tallyKey) int {
	return cmp.Or(strings.Compare(a.dim, b.dim), strings.Compare(a.day, b.day),
		strings.Compare(a.key, b.key), strings.Compare(a.measure, b.measure))
}

// sumTallies adds up the deltas of each counter and, for the counters of a day, of its month,
// zero sums included. Both come back sorted by key (the order in which the folders lock them).
func sumTallies(tallies []dispatcher.Tally) (days, months []tallyKey, dayN, monthN []int64) {
	d, m := map[tallyKey]int64{}, map[tallyKey]int64{}
	for _, t := range tallies {
		d[tallyKey{t.Dim, t.Day, t.Key, t.Measure}] += t.Delta
		if isDay(t.Day) {
			m[tallyKey{t.Dim, t.Day[:7], t.Key, t.Measure}] += t.Delta
		}
	}
	flat := func(sums map[tallyKey]int64) ([]tallyKey, []int64) {
		keys := make([]tallyKey, 0, len(sums))
		for k := range sums {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, compareTallyKeys)
		ns := make([]int64, len(keys))
		for i, k := range keys {
			ns[i] = sums[k]
		}
		return keys, ns
	}
	days, dayN = flat(d)
	months, monthN = flat(m)
	return days, months, dayN, monthN
}

// upsertSQL is the statement that adds ns to the counters keys of table (tallies or
// tally_months, whose period column is day or month), in the order of keys.
func upsertSQL(p *params, table, period string, keys []tallyKey, ns []int64) string {
	dims, periods, ks, measures := make([]string, len(keys)), make([]string, len(keys)),
		make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		dims[i], periods[i], ks[i], measures[i] = k.dim, k.day, k.key, k.measure
	}
	return fmt.Sprintf(`INSERT INTO %[1]s (dim, %[2]s, key, measure, count)
			SELECT u.dim, u.period, u.key, u.measure, u.n
			FROM unnest(%[3]s::text[], %[4]s::text[], %[5]s::text[], %[6]s::text[], %[7]s::bigint[])
				WITH ORDINALITY AS u (dim, period, key, measure, n, i)
			ORDER BY u.i
			ON CONFLICT (dim, %[2]s, key, measure) DO UPDATE SET count = %[1]s.count + excluded.count`,
		table, period, p.add(dims), p.add(periods), p.add(ks), p.add(measures), p.add(ns))
}

// tallyQuery sums one dimension's counters over the days of a range's ragged head ($2..$3) and
// tail ($4..$5), the months in between ($6..$7), and adds its gauges. Every part is a range of a
// primary key starting with dim, so the cost follows the rows summed (at most about two months of
// days and the months), not the number of cases. The day ranges leave out the gauges (whose day
// is empty) even when From is empty.
//
// The last part adds the same from the log rows not yet folded, in the same statement, so under
// the same snapshot as the counters (fold.go): a day delta counts where its folded sum would,
// in the head, the tail, or (if it rolls up) by its month. The parts are disjoint, so one pass
// over the log with their conditions or'ed does what their UNION ALL would.
const tallyQuery = `SELECT key, measure, SUM(count)::bigint FROM (
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day >= $2 AND day <= $3 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day >= $4 AND day <= $5 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tally_months WHERE dim = $1 AND month >= $6 AND month <= $7
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day = ''
		UNION ALL
		SELECT key, measure, delta FROM (
			SELECT unnest(dim) AS dim, unnest(day) AS day, unnest(key) AS key, unnest(measure) AS measure,
				unnest(delta) AS delta, unnest(monthly) AS monthly FROM tally_log) AS u
		WHERE dim = $1 AND (day >= $2 AND day <= $3 AND day <> ''
			OR day >= $4 AND day <= $5 AND day <> ''
			OR monthly AND left(day, 7) >= $6 AND left(day, 7) <= $7
			OR day = '')
	) AS parts WHERE left(key, length($8)) = $8 GROUP BY key, measure ORDER BY key, measure`

// Tallies sums the counters of the days q.From..q.To for q.Dim and adds that dimension's gauges,
// of the keys that start with q.Prefix ($8; every key starts with "").
func (s *Store) Tallies(ctx context.Context, q dispatcher.TallyQuery) ([]dispatcher.TallyRow, error) {
	sp := splitDays(q.From, q.To)
	out := []dispatcher.TallyRow{}
	err := s.query(ctx, "the tallies could not be read", func(ctx context.Context, db querier) error {
		rows, err := db.Query(ctx, tallyQuery, q.Dim, sp.headFrom, sp.headTo, sp.tailFrom, sp.tailTo,
			sp.monthFrom, sp.monthTo, q.Prefix)
		if err != nil {
			return err
		}
		var r dispatcher.TallyRow
		_, err = pgx.ForEachRow(rows, []any{&r.Key, &r.Measure, &r.Count}, func() error {
			out = append(out, r)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// span is a range of days cut into its whole months and the days before and after them. A part
// that is empty has its from after its to ("1" > "0", and no day or month sorts between them).
type span struct {
	headFrom, headTo, tailFrom, tailTo, monthFrom, monthTo string
}

// splitDays cuts from..to (inclusive days) into the days before its first whole month, the whole
// months, and the days after the last one. A range without a whole month, or whose ends do not
// parse as days, is all head.
func splitDays(from, to string) span {
	all := span{headFrom: from, headTo: to, tailFrom: "1", tailTo: "0", monthFrom: "1", monthTo: "0"}
	f, err := time.Parse(dayLayout, from)
	if err != nil {
		return all
	}
	t, err := time.Parse(dayLayout, to)
	if err != nil {
		return all
	}
	firstWhole := time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC)
	if f.Day() != 1 {
		firstWhole = firstWhole.AddDate(0, 1, 0)
	}
	next := t.AddDate(0, 0, 1)
	afterWhole := time.Date(next.Year(), next.Month(), 1, 0, 0, 0, 0, time.UTC) // first day after the whole months
	if !firstWhole.Before(afterWhole) {
		return all
	}
	return span{
		headFrom: from, headTo: firstWhole.AddDate(0, 0, -1).Format(dayLayout),
		monthFrom: firstWhole.Format("2006-01"), monthTo: afterWhole.AddDate(0, -1, 0).Format("2006-01"),
		tailFrom: afterWhole.Format(dayLayout), tailTo: to,
	}
}
