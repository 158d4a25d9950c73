package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

const dayLayout = "2006-01-02"

// Tally slots. Every case write adds to the counters of its day in the district ("all") and in
// each of its dimensions, so concurrent writes all update the same few rows. A row lock is held
// until commit, WAL flush included: on one row per counter, writers would commit one after the
// other, one flush each, and PostgreSQL's group commit could never gather them. So a counter is
// kept in up to numSlots rows (tallies.slot), and the writers in flight in one process each hold
// a different slot. A process that writes one case at a time always uses the same slot, so the
// rows multiply only as far as writes actually overlap. Each process starts at a random slot, so
// that hub instances sharing a database mostly keep apart too.
const numSlots = 64

type slotSet struct {
	mu   sync.Mutex
	used uint64 // bit i: slot (base+i) % numSlots is held
	base int
}

func newSlotSet() *slotSet { return &slotSet{base: rand.IntN(numSlots)} }

// take returns a slot no other write of this process holds (any slot if all are held) and the
// function that gives it back.
func (s *slotSet) take() (slot int16, give func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := bits.TrailingZeros64(^s.used)
	if i == 64 {
		return int16(rand.IntN(numSlots)), func() {}
	}
	s.used |= 1 << i
	return int16((s.base + i) % numSlots), func() {
		s.mu.Lock()
		s.used &^= 1 << i
		s.mu.Unlock()
	}
}

type tallyKey struct{ dim, day, key, measure string }

func compareTallyKeys(a, b tallyKey) int {
	return cmp.Or(strings.Compare(a.dim, b.dim), strings.Compare(a.day, b.day),
		strings.Compare(a.key, b.key), strings.Compare(a.measure, b.measure))
}

// sumTallies adds up the deltas of each counter and, for the counters of a day, of its month.
// Both come back sorted by key (so that every writer locks rows in the same order) and, unless
// keepZero, without zero sums.
func sumTallies(tallies []dispatcher.Tally, keepZero bool) (days, months []tallyKey, dayN, monthN []int64) {
	d, m := map[tallyKey]int64{}, map[tallyKey]int64{}
	for _, t := range tallies {
		if t.Delta == 0 && !keepZero {
			continue
		}
		d[tallyKey{t.Dim, t.Day, t.Key, t.Measure}] += t.Delta
		if _, err := time.Parse(dayLayout, t.Day); err == nil {
			m[tallyKey{t.Dim, t.Day[:7], t.Key, t.Measure}] += t.Delta
		}
	}
	flat := func(sums map[tallyKey]int64) ([]tallyKey, []int64) {
		keys := make([]tallyKey, 0, len(sums))
		for k, n := range sums {
			if n != 0 || keepZero {
				keys = append(keys, k)
			}
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
// tally_months, whose period column is day or month) in slot, with from appended to its FROM
// clause.
func upsertSQL(p *params, table, period string, keys []tallyKey, ns []int64, slot int16, from string) string {
	dims, periods, ks, measures := make([]string, len(keys)), make([]string, len(keys)),
		make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		dims[i], periods[i], ks[i], measures[i] = k.dim, k.day, k.key, k.measure
	}
	return fmt.Sprintf(`INSERT INTO %[1]s (dim, %[2]s, key, measure, slot, count)
			SELECT u.dim, u.period, u.key, u.measure, %[3]s::smallint, u.n
			FROM unnest(%[4]s::text[], %[5]s::text[], %[6]s::text[], %[7]s::text[], %[8]s::bigint[])
				AS u (dim, period, key, measure, n)%[9]s
			ON CONFLICT (dim, %[2]s, key, measure, slot) DO UPDATE SET count = %[1]s.count + excluded.count`,
		table, period, p.add(slot), p.add(dims), p.add(periods), p.add(ks), p.add(measures), p.add(ns), from)
}

// tallyQuery sums one dimension's counters over the days of a range's ragged head ($2..$3) and
// tail ($4..$5), the months in between ($6..$7), and adds its gauges. Every part is a range of a
// primary key starting with dim, so the cost follows the rows summed (at most about two months of
// days and the months), not the number of cases. The day ranges leave out the gauges (whose day
// is empty) even when From is empty.
const tallyQuery = `SELECT key, measure, SUM(count)::bigint FROM (
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day >= $2 AND day <= $3 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day >= $4 AND day <= $5 AND day <> ''
		UNION ALL
		SELECT key, measure, count FROM tally_months WHERE dim = $1 AND month >= $6 AND month <= $7
		UNION ALL
		SELECT key, measure, count FROM tallies WHERE dim = $1 AND day = ''
	) AS parts GROUP BY key, measure ORDER BY key, measure`

// Tallies sums the counters of the days q.From..q.To for q.Dim and adds that dimension's gauges.
func (s *Store) Tallies(ctx context.Context, q dispatcher.TallyQuery) ([]dispatcher.TallyRow, error) {
	sp := splitDays(q.From, q.To)
	out := []dispatcher.TallyRow{}
	err := s.query(ctx, "the tallies could not be read", func(ctx context.Context, db querier) error {
		rows, err := db.Query(ctx, tallyQuery, q.Dim, sp.headFrom, sp.headTo, sp.tailFrom, sp.tailTo,
			sp.monthFrom, sp.monthTo)
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
