package sqlite

import (
	"errors"
	"maps"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// TestExportTallies: every counter and gauge comes out once, with its summed count, and no month
// rollup does.
func TestExportTallies(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	want := map[dispatcher.TallyRecord]bool{}
	sums := map[[4]string]int64{}
	var all []dispatcher.Tally
	for i := range 4 {
		c, evs, tallies := benchCase(i)
		tallies = append(tallies,
			dispatcher.Tally{Day: "", Dim: dispatcher.DimUnit, Key: c.Unit, Measure: dispatcher.MOverdueOpen, Delta: 1},
			dispatcher.Tally{Day: "2026-12-01", Dim: dispatcher.DimAll, Measure: dispatcher.MClosed, Delta: int64(i)})
		if err := s.CreateCase(ctx, c, evs, tallies); err != nil {
			t.Fatal(err)
		}
		all = append(all, tallies...)
	}
	for _, tl := range all {
		if tl.Delta != 0 {
			sums[[4]string{tl.Day, tl.Dim, tl.Key, tl.Measure}] += tl.Delta
		}
	}
	for k, n := range sums {
		want[dispatcher.TallyRecord{Day: k[0], Dim: k[1], Key: k[2], Measure: k[3], Count: n}] = true
	}
	got := map[dispatcher.TallyRecord]bool{}
	err := s.ExportTallies(ctx, func(r dispatcher.TallyRecord) error {
		if got[r] {
			t.Errorf("%+v exported twice", r)
		}
		got[r] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(got, want) {
		t.Errorf("ExportTallies:\n got %v\nwant %v", got, want)
	}
	gauges := 0
	for r := range got {
		if r.Day == "" {
			gauges++
		}
	}
	if gauges != 1 {
		t.Errorf("%d gauges exported, want 1", gauges)
	}

	stop := errors.New("stop")
	n := 0
	err = s.ExportTallies(ctx, func(dispatcher.TallyRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("ExportTallies with fn failing: %v after %d rows; want fn's error after 1", err, n)
	}
}

func TestAPIKeys(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	keys, err := s.APIKeys(ctx)
	if err != nil || len(keys) != 0 {
		t.Fatalf("APIKeys of an empty store: %v, %v", keys, err)
	}
	at := time.Date(2026, 11, 27, 1, 2, 3, 456789000, time.UTC)
	a := dispatcher.APIKey{Hash: "bbb", Name: "12345 热线", CreatedAt: at}
	b := dispatcher.APIKey{Hash: "aaa", Name: "微信", CreatedAt: at.Add(time.Hour), Disabled: true}
	for _, k := range []dispatcher.APIKey{a, b} {
		if err := s.PutAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	keys, err = s.APIKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || *keys[0] != b || *keys[1] != a {
		t.Errorf("APIKeys = %+v, want %+v and %+v", keys, b, a)
	}
}
