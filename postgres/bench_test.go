package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

var benchStart = time.Date(2026, 11, 27, 1, 30, 15, 123456000, time.UTC)

// benchCase is the i-th case as intake writes it: received, registered and dispatched at once,
// so 3 events and 15 tallies (3 measures in 5 dimensions).
func benchCase(i int) (*dispatcher.Case, []*dispatcher.Event, []dispatcher.Tally) {
	at := benchStart.Add(time.Duration(i) * time.Second)
	due := at.Add(5 * 24 * time.Hour)
	const unit, jur = "QJ-GN-DD", "QJ-GN"
	c := &dispatcher.Case{
		Number: "QJ" + at.Format("20060102"), State: dispatcher.Dispatched, OwnerKind: dispatcher.OwnedByUnit,
		Owner: unit, Unit: unit, Channel: dispatcher.ChannelHotline, Nature: "complaint", Category: "0101",
		Text: fmt.Sprintf("沿河路%d号垃圾堆积", i),
		Location: dispatcher.Location{Point: dispatcher.Point{Lat: 29.03, Lng: 106.65},
			Datum: dispatcher.GCJ02, Address: "綦江区古南街道沿河路"},
		Reporter: dispatcher.Contact{Name: "王女士", Phone: "13700000000"},
		Routing: dispatcher.Routing{Outcome: dispatcher.RouteToUnit, Unit: unit, Jurisdiction: jur,
			JurisdictionName: "古南街道", Rule: "territorial"},
		Clocks: dispatcher.Clocks{Handling: &dispatcher.Clock{
			Limit: dispatcher.Limit{Value: 5, Unit: dispatcher.WorkDay}, StartedAt: at, Deadline: due,
			WarnAt: due.Add(-24 * time.Hour)}},
		Owners: []string{dispatcher.CommandCentre, unit}, CreatedAt: at, UpdatedAt: at, NextDue: &due,
	}
	var evs []*dispatcher.Event
	for k, typ := range []string{"received", "registered", "dispatched"} {
		c.Version++
		e := &dispatcher.Event{Seq: c.Version, Type: typ, Action: typ, Actor: dispatcher.SystemActor, At: at,
			To: c.State, Owner: c.Owner, Data: json.RawMessage(fmt.Sprintf(`{"step":%d,"unit":"%s"}`, k, unit)),
			PrevHash: c.LastHash,
			Summary: dispatcher.CaseSummary{State: c.State, Owner: c.Owner, Channel: c.Channel,
				Category: c.Category, Jurisdiction: jur, Deadline: &due},
			Visible: []string{dispatcher.CommandCentre, unit}}
		e.Hash = dispatcher.EventHash(e)
		c.LastHash = e.Hash
		evs = append(evs, e)
	}
	day := at.In(time.FixedZone("CST", 8*3600)).Format(dayLayout)
	keys := map[string]string{dispatcher.DimAll: "", dispatcher.DimUnit: unit, dispatcher.DimJurisdiction: jur,
		dispatcher.DimCategory: c.Category, dispatcher.DimChannel: c.Channel}
	var tallies []dispatcher.Tally
	for _, m := range []string{dispatcher.MReceived, dispatcher.MRegistered, dispatcher.MDispatched} {
		for _, dim := range dispatcher.Dims {
			tallies = append(tallies, dispatcher.Tally{Day: day, Dim: dim, Key: keys[dim], Measure: m, Delta: 1})
		}
	}
	return c, evs, tallies
}

// BenchmarkCreateCase and BenchmarkCreateCaseParallel (16 callers per CPU) also report the
// PostgreSQL CPU per write (cpu_test.go), folding of the tally log included: run them with
// -benchtime 10000x for a figure of 10,000 writes.
func BenchmarkCreateCase(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	cpu := startCPU(s)
	i := 0
	for b.Loop() {
		c, evs, tallies := benchCase(i)
		if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
			b.Fatal(err)
		}
		i++
	}
	cpu.report(b, i)
}

func BenchmarkCreateCaseParallel(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	b.SetParallelism(16)
	cpu := startCPU(s)
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(1 << 30)
		for pb.Next() {
			c, evs, tallies := benchCase(i)
			if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	cpu.report(b, b.N)
	w, c := s.CommitStats()
	b.Logf("batches: %d writes in %d commits", w, c)
}

// BenchmarkTallies asks for a day, a month and a year of one dimension, with the tallies that
// 10 thousand and 1 million cases received over two years leave: all folded, then with the log
// rows of logged more cases not folded yet (at a thousand writes a second, a folder that runs
// every 250 ms leaves about 250; logged is twice that).
func BenchmarkTallies(b *testing.B) {
	const logged = 500
	for _, n := range []int{10_000, 1_000_000} {
		s := openFolding(b, pgtest.NewDatabase(b), 0, 0) // no folder: the log is left as it is
		start := time.Now()
		rows := loadTallies(b, s, n, 730)
		b.Logf("%d cases: %d tally rows, loaded in %v", n, rows, time.Since(start).Round(time.Millisecond))
		queries := []struct{ name, dim, from, to string }{
			{"day", dispatcher.DimUnit, "2026-11-27", "2026-11-27"},
			{"month", dispatcher.DimUnit, "2026-11-01", "2026-11-30"},
			{"month-category", dispatcher.DimCategory, "2026-11-01", "2026-11-30"},
			{"ragged-quarter", dispatcher.DimUnit, "2026-08-17", "2026-11-13"},
			{"year", dispatcher.DimUnit, "2025-12-01", "2026-11-30"},
		}
		for _, unfolded := range []int{0, logged} {
			for i := range unfolded {
				c, evs, tallies := benchCase(i)
				if err := s.CreateCase(context.Background(), c, evs, tallies); err != nil {
					b.Fatal(err)
				}
			}
			suffix := ""
			if unfolded > 0 {
				suffix = fmt.Sprintf("+log%d", unfolded)
			}
			for _, q := range queries {
				b.Run(fmt.Sprintf("cases=%d/%s%s", n, q.name, suffix), func(b *testing.B) {
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
}

// Synthetic measures, each counted by a case with the probability p.
var synthMeasures = []struct {
	name string
	p    float64
}{
	{dispatcher.MReceived, 1}, {dispatcher.MRegistered, 0.9}, {dispatcher.MDispatched, 0.85},
	{dispatcher.MAckOnTime, 0.8}, {dispatcher.MClosed, 0.8}, {dispatcher.MClosedOnTime, 0.7},
	{dispatcher.MAnswered, 0.05}, {dispatcher.MRejected, 0.05}, {dispatcher.MVoided, 0.02},
	{dispatcher.MMerged, 0.02}, {dispatcher.MReworks, 0.05}, {dispatcher.MReturns, 0.1},
	{dispatcher.MExtensions, 0.03}, {dispatcher.MFollowedUp, 0.5}, {dispatcher.MSatisfied, 0.4},
}

// synthKeys is the number of keys of each dimension (in dispatcher.Dims order) in the data.
var synthKeys = []int{1, 28, 31, 25, 4}

// loadTallies writes the tally rows that n cases spread over the last days days leave, summed in
// memory first and written through ImportTallies (days and months), plus a gauge per key. It
// returns the number of day rows and gauges.
func loadTallies(tb testing.TB, s *Store, n, days int) int {
	tb.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(n)))
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	sums := map[tallyKey]int64{}
	for range n {
		day := last.AddDate(0, 0, -rng.IntN(days)).Format(dayLayout)
		keys := make([]string, len(dispatcher.Dims))
		for d := 1; d < len(keys); d++ {
			keys[d] = fmt.Sprintf("K%02d", rng.IntN(synthKeys[d]))
		}
		for _, m := range synthMeasures {
			if m.p < 1 && rng.Float64() >= m.p {
				continue
			}
			for d, dim := range dispatcher.Dims {
				sums[tallyKey{dim, day, keys[d], m.name}]++
			}
		}
	}
	for d, dim := range dispatcher.Dims {
		for k := range synthKeys[d] {
			key := ""
			if d > 0 {
				key = fmt.Sprintf("K%02d", k)
			}
			sums[tallyKey{dim, "", key, dispatcher.MOverdueOpen}] = int64(1 + rng.IntN(20))
		}
	}
	keys := make([]tallyKey, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareTallyKeys)
	for chunk := range slices.Chunk(keys, 50_000) {
		recs := make([]dispatcher.TallyRecord, len(chunk))
		for i, k := range chunk {
			recs[i] = dispatcher.TallyRecord{Day: k.day, Dim: k.dim, Key: k.key, Measure: k.measure, Count: sums[k]}
		}
		if err := s.ImportTallies(context.Background(), recs); err != nil {
			tb.Fatal(err)
		}
	}
	return len(keys)
}

// BenchmarkEventsAfter reads the event log as a console hub does under load: pages of 36 events
// (about what 12 reports write, one committed batch) after a cursor, over 12,000 events. It
// reports the server CPU per read (pg-µs/op, backend-µs/op).
func BenchmarkEventsAfter(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	const cases, page = 4000, 36
	for i := range cases {
		c, evs, tallies := benchCase(i)
		if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
			b.Fatal(err)
		}
	}
	settle(b, s)
	cpu := startCPU(s)
	var cursor int64
	n := 0
	for b.Loop() {
		evs, err := s.EventsAfter(ctx, cursor, page)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) < page {
			cursor = 0
		} else {
			cursor = evs[len(evs)-1].ID
		}
		n++
	}
	cpu.report(b, n)
}

// BenchmarkAppendLog appends the events of 12 reports (36 events, about one committed batch under
// load) to the audit log per op, as an instance's appender does, over 12,000 events written
// beforehand; it reports the hub's and the server's CPU per event logged (pg-µs/op and
// backend-µs/op are per event). Run it with -benchtime 300x (the events run out after 333 ops).
func BenchmarkAppendLog(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	for i := range 4000 {
		c, evs, tallies := benchCase(i)
		if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
			b.Fatal(err)
		}
	}
	settle(b, s)
	cpu := startCPU(s)
	logged := 0
	for b.Loop() {
		n, err := s.AppendLog(ctx, 36, dispatcher.BuildLog)
		if err != nil {
			b.Fatal(err)
		}
		logged += n
	}
	cpu.report(b, max(logged, 1))
}
