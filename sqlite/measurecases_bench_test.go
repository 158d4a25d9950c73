package sqlite

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// BenchmarkMeasureCases: the cases behind a figure (CaseFilter.Event, the index events_type_at of
// migration 0008) in a store of CITYHUB_BENCH_CASES cases (default 200,000; the figure is
// 1,000,000) spread over two years, about seven events each, written by a test-only bulk path
// (rows inserted directly, their bodies shared). Each query is one page of 100 and the total.
func BenchmarkMeasureCases(b *testing.B) {
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("CITYHUB_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	s := openTemp(b)
	start := time.Now()
	events := bulkCasesAndEvents(b, s, n, 730)
	b.Logf("%d cases, %d events, written in %v", n, events, time.Since(start).Round(time.Millisecond))
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghaiZone)
	day, month, year := end.AddDate(0, 0, -1), end.AddDate(0, -1, 0), end.AddDate(-1, 0, 0)
	for _, q := range []struct {
		name string
		f    dispatcher.CaseFilter
	}{
		{"closed-day", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.closed", "case.replied"}, From: day, To: end}}},
		{"closed-month-unit", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.closed", "case.replied"}, From: month, To: end, Unit: "QJ-GN-DD"}}},
		{"returns-month-unit", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.returned"}, From: month, To: end, Unit: "QJ-WL-DD"}}},
		{"closed-year", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.closed", "case.replied"}, From: year, To: end}}},
		{"closed-on-time-month", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.closed"}, From: month, To: end, Require: dispatcher.RequireOnTime}}},
		{"satisfied-month-category", dispatcher.CaseFilter{Category: "0501", Event: &dispatcher.EventMatch{Types: []string{"case.followed_up"}, From: month, To: end, Latest: true, Require: dispatcher.RequireSatisfied}}},
		{"dispatched-year-unit", dispatcher.CaseFilter{Event: &dispatcher.EventMatch{Types: []string{"case.dispatched", "case.reassigned"}, From: year, To: end, Unit: "QJ-GN-DD"}}},
	} {
		b.Run(fmt.Sprintf("cases=%d/%s", n, q.name), func(b *testing.B) {
			f := q.f
			f.Newest, f.Limit = true, 100
			var total int
			for b.Loop() {
				page, err := s.ListCases(context.Background(), f)
				if err != nil {
					b.Fatal(err)
				}
				total = page.Total
			}
			b.ReportMetric(float64(total), "cases")
		})
	}
}

var shanghaiZone = time.FixedZone("CST", 8*3600)

// bulkCasesAndEvents inserts n cases received over the last days days before 2026-12-01, each
// with its lifecycle's events (received, registered, dispatched, acknowledged, resolved, closed,
// sometimes returned, followed up) and its row in case_units, and returns the number of events.
func bulkCasesAndEvents(tb testing.TB, s *Store, n, days int) int {
	ctx := context.Background()
	c, _, _ := benchCase(0)
	body, err := encode(c)
	if err != nil {
		tb.Fatal(err)
	}
	units := []string{"QJ-GN-DD", "QJ-WL-DD", "QJ-SJ-DD", "QJ-TH-DD", "QJ-XS-DD", "QJ-ZTDD"}
	cats := []string{"0101", "0102", "0501", "0504", "0505", "0302"}
	end := time.Date(2026, 12, 1, 0, 0, 0, 0, shanghaiZone)
	rng := rand.New(rand.NewPCG(1, 2))
	eventID, events := int64(0), 0
	const batch = 20_000
	for lo := 0; lo < n; lo += batch {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			tb.Fatal(err)
		}
		insCase, _ := tx.PrepareContext(ctx, `INSERT INTO cases (id, number, state, owner, unit, channel, category,
			jurisdiction, overdue, created_at, updated_at, version, body) VALUES (?, ?, 'closed', '', ?, 'hotline', ?, 'QJ-GN', 0, ?, ?, 7, ?)`)
		insUnit, _ := tx.PrepareContext(ctx, `INSERT INTO case_units (unit, case_id) VALUES (?, ?)`)
		insEvent, _ := tx.PrepareContext(ctx, `INSERT INTO events (id, case_id, seq, type, at, visible, body) VALUES (?, ?, ?, ?, ?, '[]', ?)`)
		for i := lo; i < min(lo+batch, n); i++ {
			id := int64(i + 1)
			unit, cat := units[rng.IntN(len(units))], cats[rng.IntN(len(cats))]
			at := end.Add(-time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour))))
			if _, err := insCase.ExecContext(ctx, id, fmt.Sprintf("QJ%010d", id), unit, cat, micro(at), micro(at), body); err != nil {
				tb.Fatal(err)
			}
			_, _ = insUnit.ExecContext(ctx, unit, id)
			types := []string{"case.received", "case.registered", "case.dispatched", "case.acknowledged", "case.resolved", "case.closed"}
			if rng.IntN(10) == 0 {
				types = append([]string{"case.received", "case.registered", "case.dispatched", "case.returned"}, types[2:]...)
			}
			if rng.IntN(2) == 0 {
				types = append(types, "case.followed_up")
			}
			for seq, typ := range types {
				eventID++
				at = at.Add(time.Duration(rng.IntN(3600)) * time.Second)
				ev := fmt.Sprintf(`{"id":%d,"type":%q,"data":{"unit":%q,"on_time":%v,"satisfaction":"satisfied"},"case":{"unit":%q}}`,
					eventID, typ, unit, rng.IntN(5) > 0, unit)
				if _, err := insEvent.ExecContext(ctx, eventID, id, seq+1, typ, micro(at), ev); err != nil {
					tb.Fatal(err)
				}
				events++
			}
		}
		if err := tx.Commit(); err != nil {
			tb.Fatal(err)
		}
	}
	return events // no ANALYZE: the hub never runs it, the planner works from the schema alone
}
