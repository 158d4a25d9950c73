package dispatcher_test

import (
	"testing"

	"cityhub/dispatcher"
	"cityhub/geo"
)

// TestHotspots: the map counts each report once in its cell, at both resolutions, with and
// without its category, over any period (days, the month rollups, ISO weeks); the cases behind a
// cell are the same reports; only the centre and leaders read either.
func TestHotspots(t *testing.T) {
	f := newFixture(t, false)
	elsewhere := dispatcher.Point{Lat: 28.97, Lng: 106.65}
	var all []*dispatcher.Case
	file := func(p dispatcher.Point, category string) {
		cmp := complaintAt(p)
		cmp.Category = category
		res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
		if err != nil {
			t.Fatalf("submit: %v", err)
		}
		all = append(all, res.Case)
	}
	for range 3 {
		file(guNan, "0501")
	}
	file(guNan, "0504")
	file(elsewhere, "0501")
	f.clock.Set(at("2026-11-26 09:00"))
	file(guNan, "0501")

	boss := f.actor(t, "boss")
	fine := cellOf(t, guNan, 9)
	checkMap(t, f, boss, dispatcher.HotspotQuery{Res: 9, Period: "today"}, map[string]int64{fine: 1})
	if rep, _ := f.svc.Hotspots(f.ctx, boss, dispatcher.HotspotQuery{Res: 9, Period: "today"}); len(rep.Cells) != 1 || rep.Cells[0].Place != "古南街道" {
		t.Errorf("today's cell: %+v; want it placed in 古南街道", rep.Cells)
	}
	whole := map[string]int64{}
	for _, c := range all {
		whole[cellOf(t, c.Location.Point, 9)]++
	}
	for _, q := range []dispatcher.HotspotQuery{
		{Res: 9, From: "2026-11-25", To: "2026-11-26"},
		{Res: 9, From: "2026-11-01", To: "2026-11-30"}, // the month rollup
		{Res: 9, Period: "week"},                       // Monday 2026-11-23 to today
		{Res: 9, Period: "year"},
	} {
		checkMap(t, f, boss, q, whole)
	}
	coarse := map[string]int64{}
	for cell, n := range whole {
		coarse[parentOf(t, cell)] += n
	}
	checkMap(t, f, boss, dispatcher.HotspotQuery{Res: 7, Period: "month"}, coarse)
	byCat := map[string]int64{fine: 4}
	byCat[cellOf(t, elsewhere, 9)]++
	checkMap(t, f, boss, dispatcher.HotspotQuery{Res: 9, Category: "0501", From: "2026-11-01", To: "2026-11-30"}, byCat)
	checkMap(t, f, boss, dispatcher.HotspotQuery{Res: 7, Category: "0504", Period: "month"},
		map[string]int64{parentOf(t, fine): 1})

	page := cellCases(t, f, boss, dispatcher.CellCasesQuery{Cell: fine, Period: "month"})
	if page.Total != 5 || len(page.Cases) != 5 {
		t.Fatalf("cases of %s: total %d, %d rows; want 5", fine, page.Total, len(page.Cases))
	}
	if r := page.Cases[0].Reporter; r == nil || r.Phone == "13812345678" {
		t.Errorf("a leader sees the reporter %+v; want it masked", r)
	}
	if p := cellCases(t, f, boss, dispatcher.CellCasesQuery{Cell: parentOf(t, fine), Category: "0504", Period: "month"}); p.Total != 1 {
		t.Errorf("0504 cases of the res-7 cell: %d; want 1", p.Total)
	}
	if p := cellCases(t, f, boss, dispatcher.CellCasesQuery{Cell: fine, Period: "today", Limit: 1}); p.Total != 1 || len(p.Cases) != 1 {
		t.Errorf("today's cases of %s: %+v; want 1", fine, p)
	}

	refused := []struct {
		who  string
		q    dispatcher.HotspotQuery
		code string
	}{
		{"gn-1", dispatcher.HotspotQuery{Res: 9}, dispatcher.EForbidden},
		{"boss", dispatcher.HotspotQuery{Res: 8}, dispatcher.EInvalid},
		{"boss", dispatcher.HotspotQuery{Period: "decade"}, dispatcher.EInvalid},
		{"boss", dispatcher.HotspotQuery{Category: "9999"}, dispatcher.EInvalid},
		{"boss", dispatcher.HotspotQuery{From: "2026-11-26", To: "2026-11-25"}, dispatcher.EInvalid},
	}
	for _, r := range refused {
		if _, err := f.svc.Hotspots(f.ctx, f.actor(t, r.who), r.q); dispatcher.ErrorCode(err) != r.code {
			t.Errorf("%s %+v: %v; want %s", r.who, r.q, err, r.code)
		}
	}
	for _, cell := range []string{"", "zz", cellOf(t, guNan, 8)} {
		_, err := f.svc.HotspotCases(f.ctx, boss, dispatcher.CellCasesQuery{Cell: cell})
		if dispatcher.ErrorCode(err) != dispatcher.EInvalid {
			t.Errorf("cases of cell %q: %v; want invalid", cell, err)
		}
	}
	if _, err := f.svc.HotspotCases(f.ctx, f.actor(t, "gn-1"), dispatcher.CellCasesQuery{Cell: fine}); dispatcher.ErrorCode(err) != dispatcher.EForbidden {
		t.Errorf("a street officer reads a cell's cases: %v; want forbidden", err)
	}
}

func checkMap(t *testing.T, f *fixture, a dispatcher.Actor, q dispatcher.HotspotQuery, want map[string]int64) {
	t.Helper()
	rep, err := f.svc.Hotspots(f.ctx, a, q)
	if err != nil {
		t.Fatalf("hotspots %+v: %v", q, err)
	}
	got, top := map[string]int64{}, int64(0)
	for _, c := range rep.Cells {
		got[c.Cell] = c.Count
		top = max(top, c.Count)
		if len(c.Boundary) < 5 || c.Center == [2]float64{} {
			t.Errorf("cell %s: center %v, %d vertices", c.Cell, c.Center, len(c.Boundary))
		}
	}
	if len(got) != len(want) || rep.Max != top {
		t.Errorf("hotspots %+v: %v (max %d); want %v", q, got, rep.Max, want)
	}
	for cell, n := range want {
		if got[cell] != n {
			t.Errorf("hotspots %+v: cell %s has %d; want %d", q, cell, got[cell], n)
		}
	}
}

func cellCases(t *testing.T, f *fixture, a dispatcher.Actor, q dispatcher.CellCasesQuery) dispatcher.CellCases {
	t.Helper()
	p, err := f.svc.HotspotCases(f.ctx, a, q)
	if err != nil {
		t.Fatalf("cases of %+v: %v", q, err)
	}
	return p
}

func cellOf(t *testing.T, p dispatcher.Point, res int) string {
	t.Helper()
	c, err := geo.CellAt(p, res)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func parentOf(t *testing.T, cell string) string {
	t.Helper()
	c, err := geo.CellParent(cell, 7)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
