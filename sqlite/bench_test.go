package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
)

var benchBase = time.Date(2026, 11, 27, 1, 30, 15, 123456000, time.UTC)

// benchCase is a case as intake makes it: received, registered and dispatched in one go, with 3
// events and 15 tallies (3 measures in the 5 dimensions).
func benchCase(i int) (*dispatcher.Case, []*dispatcher.Event, []dispatcher.Tally) {
	created := benchBase.Add(time.Duration(i) * time.Second)
	deadline := created.Add(5 * 24 * time.Hour)
	c := &dispatcher.Case{
		Number: "QJ20261127", State: dispatcher.Dispatched, OwnerKind: dispatcher.OwnedByUnit,
		Owner: "QJ-GN-DD", Unit: "QJ-GN-DD", Channel: dispatcher.ChannelHotline, Nature: "complaint",
		Category: "0101", Text: fmt.Sprintf("古南街道沿河路%d号门前垃圾堆积", i),
		Location: dispatcher.Location{Point: dispatcher.Point{Lat: 29.0285, Lng: 106.6512},
			Original: dispatcher.Point{Lat: 29.0256, Lng: 106.6466}, Datum: dispatcher.GCJ02, Address: "沿河路"},
		Reporter: dispatcher.Contact{Name: "张先生", Phone: "13800138000"},
		Routing: dispatcher.Routing{Outcome: dispatcher.RouteToUnit, Unit: "QJ-GN-DD", Jurisdiction: "QJ-GN",
			JurisdictionName: "古南街道", Authority: "綦江区", Cell: "8840e3c8c1fffff", Resolution: 8,
			Rule: "territorial", Explanation: "该点位于古南街道，由古南大队处置"},
		Clocks: dispatcher.Clocks{Handling: &dispatcher.Clock{
			Limit: dispatcher.Limit{Value: 5, Unit: dispatcher.WorkDay}, StartedAt: created,
			Deadline: deadline, WarnAt: deadline.Add(-24 * time.Hour)}},
		Owners: []string{"CMD", "QJ-GN-DD"}, CreatedAt: created, UpdatedAt: created, Version: 3,
		NextDue: &deadline,
	}
	var evs []*dispatcher.Event
	for k, typ := range []string{"received", "registered", "dispatched"} {
		evs = append(evs, &dispatcher.Event{Seq: int64(k + 1), Type: typ, Action: typ,
			Actor: dispatcher.SystemActor, At: created, To: c.State, Owner: c.Owner,
			Data: json.RawMessage(`{"unit":"QJ-GN-DD"}`), PrevHash: fmt.Sprint(k), Hash: fmt.Sprint(k + 1),
			Summary: dispatcher.CaseSummary{State: c.State, Owner: c.Owner, Channel: c.Channel,
				Category: c.Category, Jurisdiction: "QJ-GN", Deadline: &deadline},
			Visible: []string{"CMD", "QJ-GN-DD"}})
	}
	var tallies []dispatcher.Tally
	for _, m := range []string{dispatcher.MReceived, dispatcher.MRegistered, dispatcher.MDispatched} {
		for dim, key := range map[string]string{dispatcher.DimAll: "", dispatcher.DimUnit: c.Unit,
			dispatcher.DimJurisdiction: "QJ-GN", dispatcher.DimCategory: c.Category,
			dispatcher.DimChannel: c.Channel} {
			tallies = append(tallies, dispatcher.Tally{Day: "2026-11-27", Dim: dim, Key: key, Measure: m, Delta: 1})
		}
	}
	return c, evs, tallies
}

func BenchmarkCreateCase(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		c, evs, tallies := benchCase(i)
		if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkCreateCaseParallel(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c, evs, tallies := benchCase(i)
			if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

// BenchmarkTallies asks for a day, a month and a year of one dimension, with the tallies that
// 10 thousand and 1 million cases received over two years leave.
func BenchmarkTallies(b *testing.B) {
	for _, n := range []int{10_000, 1_000_000} {
		s := openTemp(b)
		start := time.Now()
		rows := bulkTallies(b, s, n, 730)
		b.Logf("%d cases: %d tally rows, built in %v", n, rows, time.Since(start).Round(time.Millisecond))
		for _, q := range []struct{ name, dim, from, to string }{
			{"day", dispatcher.DimUnit, "2026-11-27", "2026-11-27"},
			{"month", dispatcher.DimUnit, "2026-11-01", "2026-11-30"},
			{"month-category", dispatcher.DimCategory, "2026-11-01", "2026-11-30"},
			{"year", dispatcher.DimUnit, "2025-12-01", "2026-11-30"},
		} {
			b.Run(fmt.Sprintf("cases=%d/%s", n, q.name), func(b *testing.B) {
				ctx := context.Background()
				for b.Loop() {
					if _, err := s.Tallies(ctx, dispatcher.TallyQuery{Dim: q.dim, From: q.from, To: q.to}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// The measures a case counts, each with the probability that it does.
var caseMeasures = []struct {
	name string
	p    float64
}{
	{dispatcher.MReceived, 1}, {dispatcher.MRegistered, 0.9}, {dispatcher.MDispatched, 0.85},
	{dispatcher.MAckOnTime, 0.8}, {dispatcher.MClosed, 0.8}, {dispatcher.MClosedOnTime, 0.7},
	{dispatcher.MAnswered, 0.05}, {dispatcher.MRejected, 0.05}, {dispatcher.MVoided, 0.02},
	{dispatcher.MMerged, 0.02}, {dispatcher.MReworks, 0.05}, {dispatcher.MReturns, 0.1},
	{dispatcher.MExtensions, 0.03}, {dispatcher.MFollowedUp, 0.5}, {dispatcher.MSatisfied, 0.4},
}

// The dimensions' numbers of keys in the synthetic data (DimAll has the one key "").
var dimKeys = [5]int{1, 28, 31, 25, 4}

const maxKeys = 31

// bulkTallies writes the tallies n cases received over the last days days leave (a test-only
// bulk path: the counts are summed in memory, then written through addTallies in large
// transactions). It returns the number of tally rows.
func bulkTallies(tb testing.TB, s *Store, n, days int) int {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	// counts[day][dim][key][measure]
	counts := make([][5][maxKeys][]int64, days)
	for d := range counts {
		for dim := range counts[d] {
			for k := range counts[d][dim] {
				counts[d][dim][k] = make([]int64, len(caseMeasures))
			}
		}
	}
	for range n {
		day := &counts[rng.IntN(days)]
		var k [5]int
		for dim := 1; dim < 5; dim++ {
			k[dim] = rng.IntN(dimKeys[dim])
		}
		for m, cm := range caseMeasures {
			if cm.p < 1 && rng.Float64() >= cm.p {
				continue
			}
			for dim := range k {
				day[dim][k[dim]][m]++
			}
		}
	}
	return writeTallies(tb, s, counts, rng)
}

// writeTallies writes the counts, and an overdue gauge for every key, in primary-key order (much
// faster than random order) in transactions of 50,000 tallies. It returns the number written.
func writeTallies(tb testing.TB, s *Store, counts [][5][maxKeys][]int64, rng *rand.Rand) int {
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	var all []dispatcher.Tally
	for dim, nk := range dimKeys {
		for k := range nk {
			all = append(all, dispatcher.Tally{Dim: dispatcher.Dims[dim], Key: keyName(dim, k),
				Measure: dispatcher.MOverdueOpen, Delta: int64(1 + rng.IntN(20))})
		}
	}
	for d, byDim := range counts {
		day := last.AddDate(0, 0, -d).Format(dayLayout)
		for dim, byKey := range byDim {
			for k, byMeasure := range byKey[:dimKeys[dim]] {
				for m, n := range byMeasure {
					if n != 0 {
						all = append(all, dispatcher.Tally{Day: day, Dim: dispatcher.Dims[dim],
							Key: keyName(dim, k), Measure: caseMeasures[m].name, Delta: n})
					}
				}
			}
		}
	}
	slices.SortFunc(all, func(a, b dispatcher.Tally) int {
		return cmp.Or(strings.Compare(a.Dim, b.Dim), strings.Compare(a.Day, b.Day),
			strings.Compare(a.Key, b.Key), strings.Compare(a.Measure, b.Measure))
	})
	for batch := range slices.Chunk(all, 50_000) {
		err := s.write(context.Background(), "bulk tallies", func(ctx context.Context, tx *sql.Tx) error {
			return addTallies(ctx, tx, batch)
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return len(all)
}

func keyName(dim, k int) string {
	if dim == 0 {
		return ""
	}
	return fmt.Sprintf("K%02d", k)
}
