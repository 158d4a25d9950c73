package dispatcher_test

import (
	"testing"

	D "cityhub/dispatcher"
)

func TestLastYear(t *testing.T) {
	for in, want := range map[string]string{"2028-02-29": "2027-02-28", "2026-03-01": "2025-03-01",
		"2026-12-31": "2025-12-31", "2027-01-01": "2026-01-01"} {
		if got := D.LastYear(in); got != want {
			t.Errorf("LastYear(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestMeasurePeriods: week is the ISO week up to today, year from 1 January; last year's days sit
// beside them; every row is named.
func TestMeasurePeriods(t *testing.T) {
	f := newFixture(t, false)
	boss := f.actor(t, "boss")
	f.clock.Set(at("2025-11-24 09:00")) // a year before, in the year-ago days of the week, not of today
	f.submit(t, "complaint", "0501")
	f.clock.Set(at("2026-11-23 09:00")) // Monday of the fixture's week
	f.submit(t, "complaint", "0501")
	f.clock.Set(at("2026-11-22 09:00")) // the Sunday before: last week
	f.submit(t, "complaint", "0501")
	f.clock.Set(at("2026-11-25 10:00")) // Wednesday
	f.submit(t, "complaint", "0501")
	want := map[string]struct {
		from, to       string
		received, prev int64
	}{
		"today": {"2026-11-25", "2026-11-25", 1, 0}, "week": {"2026-11-23", "2026-11-25", 2, 1},
		"month": {"2026-11-01", "2026-11-25", 3, 1}, "year": {"2026-01-01", "2026-11-25", 3, 1},
	}
	for period, w := range want {
		rep, err := f.svc.Measures(f.ctx, boss, D.MeasureQuery{Period: period, Compare: D.CompareLastYear})
		if err != nil {
			t.Fatalf("%s: %v", period, err)
		}
		if last, _ := f.store.LastEventID(f.ctx); rep.LastEventID != last || last == 0 {
			t.Errorf("%s: last_event_id %d, the store's %d", period, rep.LastEventID, last)
		}
		if rep.From != w.from || rep.To != w.to || len(rep.Rows) != 1 || rep.Rows[0].Name != "全区" {
			t.Fatalf("%s: %+v", period, rep)
		}
		if got := rep.Rows[0].Counts[D.MReceived]; got != w.received {
			t.Errorf("%s: received %d, want %d", period, got, w.received)
		}
		p := rep.Previous
		if p == nil || p.From != D.LastYear(w.from) || p.To != D.LastYear(w.to) {
			t.Fatalf("%s: previous %+v", period, p)
		}
		var got int64
		for _, r := range p.Rows {
			got += r.Counts[D.MReceived]
		}
		if got != w.prev {
			t.Errorf("%s: last year received %d, want %d", period, got, w.prev)
		}
	}
	rep, err := f.svc.Measures(f.ctx, boss, D.MeasureQuery{Period: "year", Dim: D.DimUnit})
	if err != nil || len(rep.Rows) == 0 {
		t.Fatalf("units: %+v %v", rep, err)
	}
	for _, r := range rep.Rows {
		if r.Name == "" || r.Name == r.Key {
			t.Errorf("unit %s named %q", r.Key, r.Name)
		}
	}
	rep, _ = f.svc.Measures(f.ctx, boss, D.MeasureQuery{Period: "year", Dim: D.DimChannel})
	if len(rep.Rows) != 1 || rep.Rows[0].Name != "热线电话" {
		t.Errorf("channel rows %+v", rep.Rows)
	}
	for _, q := range []D.MeasureQuery{{Period: "decade"}, {Period: "today", Compare: "last_week"}} {
		if _, err := f.svc.Measures(f.ctx, boss, q); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%+v: %v, want invalid", q, err)
		}
	}
}
