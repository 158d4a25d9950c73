package storetest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"testing"

	"cityhub/dispatcher"
)

// sameTallies compares rows with want, keyed "key|measure"; rows with a count of 0 are ignored.
func sameTallies(t *testing.T, what string, rows []dispatcher.TallyRow, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, r := range rows {
		k := r.Key + "|" + r.Measure
		if _, dup := got[k]; dup {
			t.Errorf("%s: %s returned twice", what, k)
		}
		got[k] = r.Count
	}
	maps.DeleteFunc(got, func(_ string, n int64) bool { return n == 0 })
	maps.DeleteFunc(want, func(_ string, n int64) bool { return n == 0 })
	if !maps.Equal(got, want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// expectTallies is what Tallies(q) must return after the tallies written: the oracle.
func expectTallies(written []dispatcher.Tally, q dispatcher.TallyQuery) map[string]int64 {
	want := map[string]int64{}
	for _, w := range written {
		if w.Dim == q.Dim && (w.Day == "" || q.From <= w.Day && w.Day <= q.To) {
			want[w.Key+"|"+w.Measure] += w.Delta
		}
	}
	return want
}

func testTallies(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	const d1, d2, d3, d4 = "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28"
	a, b, c := newCase(0), newCase(1), newCase(2)
	b.Owner, b.Unit, b.Routing.Jurisdiction, b.Category = unitWL, unitWL, jurWL, catStall
	b.Channel, c.Channel = dispatcher.ChannelWeChat, dispatcher.ChannelWeb
	var written []dispatcher.Tally
	tl := func(c *dispatcher.Case, day, measure string, delta int64) []dispatcher.Tally {
		ts := caseTallies(c, day, measure, delta)
		written = append(written, ts...)
		return ts
	}
	join := func(ts ...[]dispatcher.Tally) []dispatcher.Tally {
		var out []dispatcher.Tally
		for _, x := range ts {
			out = append(out, x...)
		}
		return out
	}
	create(t, s, a, 1, join(tl(a, d1, dispatcher.MReceived, 1), tl(a, "", dispatcher.MOverdueOpen, 1))...)
	create(t, s, b, 1, join(tl(b, d2, dispatcher.MReceived, 1), tl(b, d2, dispatcher.MDispatched, 1))...)
	create(t, s, c, 1, tl(c, d2, dispatcher.MReceived, 1)...)
	update(t, s, a, 1, nil, join(tl(a, d3, dispatcher.MClosed, 1), tl(a, "", dispatcher.MOverdueOpen, -1))...)
	update(t, s, b, 1, nil, join(tl(b, d3, dispatcher.MReturns, 2), tl(b, "", dispatcher.MOverdueOpen, 1))...)
	update(t, s, b, 1, nil, tl(b, d3, dispatcher.MReturns, -1)...)
	update(t, s, c, 1, nil, tl(c, d4, dispatcher.MDispatched, 1)...)
	// Counters in the months around, to catch a store that sums by month wrongly.
	update(t, s, b, 1, nil, join(tl(b, "2026-10-31", dispatcher.MFollowedUp, 1),
		tl(b, "2026-10-01", dispatcher.MFollowedUp, 2), tl(b, "2026-12-01", dispatcher.MSatisfied, 1),
		tl(b, "2026-12-31", dispatcher.MSatisfied, 4), tl(b, "2027-01-01", dispatcher.MSatisfied, 8))...)

	explicit := []struct {
		q    dispatcher.TallyQuery
		want map[string]int64
	}{
		{dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: d1, To: d4}, map[string]int64{
			"|received": 3, "|dispatched": 2, "|closed": 1, "|returns": 1, "|overdue_open": 1}},
		{dispatcher.TallyQuery{Dim: dispatcher.DimAll, From: d2, To: d3}, map[string]int64{
			"|received": 2, "|dispatched": 1, "|closed": 1, "|returns": 1, "|overdue_open": 1}},
		{dispatcher.TallyQuery{Dim: dispatcher.DimUnit, From: d2, To: d2}, map[string]int64{
			unitGN + "|received": 1, unitWL + "|received": 1, unitWL + "|dispatched": 1,
			unitWL + "|overdue_open": 1}},
		{dispatcher.TallyQuery{Dim: dispatcher.DimCategory, From: d1, To: d1}, map[string]int64{
			catLitter + "|received": 1, catStall + "|overdue_open": 1}},
		{dispatcher.TallyQuery{Dim: dispatcher.DimChannel, From: "2027-02-01", To: "2027-02-28"},
			map[string]int64{dispatcher.ChannelWeChat + "|overdue_open": 1}},
	}
	for _, tc := range explicit {
		rows, err := s.Tallies(ctx, tc.q)
		must(t, err, "Tallies")
		sameTallies(t, fmt.Sprintf("Tallies %+v", tc.q), rows, tc.want)
	}

	ranges := [][2]string{{d1, d1}, {d2, d2}, {d2, d3}, {d1, d4}, {d4, d4}, {d3, d2},
		{"2026-01-01", "2026-12-31"}, {"2026-11-01", "2026-11-30"}, {"2026-12-01", "2026-12-31"},
		{"2026-10-01", "2026-11-26"}, {"2026-10-02", "2026-12-01"}, {"2026-10-31", "2027-01-01"},
		{"2026-11-26", "2026-12-31"}, {"2026-09-01", "2026-10-31"}, {"2027-01-01", "2027-01-31"}}
	for _, dim := range dispatcher.Dims {
		for _, r := range ranges {
			q := dispatcher.TallyQuery{Dim: dim, From: r[0], To: r[1]}
			rows, err := s.Tallies(ctx, q)
			must(t, err, "Tallies")
			sameTallies(t, fmt.Sprintf("Tallies %+v", q), rows, expectTallies(written, q))
		}
	}
	checkSeries(t, s, written, ranges)
}

// expectSeries is what TallySeries(q) must return after the tallies written: the oracle.
func expectSeries(written []dispatcher.Tally, q dispatcher.TallySeriesQuery) map[string]int64 {
	want := map[string]int64{}
	for _, w := range written {
		if w.Dim != q.Dim || w.Day == "" || w.Day < q.From || w.Day > q.To {
			continue
		}
		if len(q.Measures) > 0 && !slices.Contains(q.Measures, w.Measure) {
			continue
		}
		period := w.Day
		if q.Monthly {
			period = w.Day[:7]
		}
		want[period+"|"+w.Key+"|"+w.Measure] += w.Delta
	}
	return want
}

// checkSeries compares TallySeries with the oracle for every dimension over ranges that cut
// months in every way, daily and monthly, with and without a choice of measures.
func checkSeries(t *testing.T, s dispatcher.Store, written []dispatcher.Tally, ranges [][2]string) {
	t.Helper()
	for _, dim := range dispatcher.Dims {
		for _, r := range ranges {
			for _, monthly := range []bool{false, true} {
				for _, ms := range [][]string{nil, {dispatcher.MSatisfied, dispatcher.MReceived}} {
					q := dispatcher.TallySeriesQuery{Dim: dim, From: r[0], To: r[1], Monthly: monthly, Measures: ms}
					pts, err := s.TallySeries(t.Context(), q)
					must(t, err, "TallySeries")
					got := map[string]int64{}
					for i, p := range pts {
						if i > 0 && cmpPoint(pts[i-1], p) >= 0 {
							t.Errorf("TallySeries %+v: not sorted at %d: %+v", q, i, p)
						}
						got[p.Period+"|"+p.Key+"|"+p.Measure] = p.Count
					}
					want := expectSeries(written, q)
					maps.DeleteFunc(got, func(_ string, n int64) bool { return n == 0 })
					maps.DeleteFunc(want, func(_ string, n int64) bool { return n == 0 })
					if !maps.Equal(got, want) {
						t.Errorf("TallySeries %+v:\n got %v\nwant %v", q, got, want)
					}
				}
			}
		}
	}
}

func cmpPoint(a, b dispatcher.TallyPoint) int {
	return cmp.Or(cmp.Compare(a.Period, b.Period), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Measure, b.Measure))
}
