package storetest

import (
	"testing"
	"time"

	"cityhub/dispatcher"
)

// testCellTallies: Tallies keeps only the keys with the prefix asked for, in the days, the month
// rollups and the gauges alike, and a prefix of "" keeps every key.
func testCellTallies(t *testing.T, s dispatcher.Store) {
	c := newCase(0)
	cell := func(day, key string, n int64) dispatcher.Tally {
		return dispatcher.Tally{Day: day, Dim: dispatcher.DimH3R9Cat, Key: key, Measure: dispatcher.MReceived, Delta: n}
	}
	written := []dispatcher.Tally{cell("2026-10-31", "0501/89a", 1), cell("2026-11-01", "0501/89a", 2),
		cell("2026-11-30", "0501/89b", 4), cell("2026-11-15", "0504/89a", 8), cell("2026-12-01", "0501/89a", 16),
		cell("2026-11-02", "05010/89c", 32)}
	create(t, s, c, 1, written...)
	for _, q := range []dispatcher.TallyQuery{
		{Dim: dispatcher.DimH3R9Cat, From: "2026-10-01", To: "2026-12-31", Prefix: "0501/"},
		{Dim: dispatcher.DimH3R9Cat, From: "2026-11-01", To: "2026-11-30", Prefix: "0501/"}, // the month rollup
		{Dim: dispatcher.DimH3R9Cat, From: "2026-10-31", To: "2026-11-01", Prefix: "0504/"},
		{Dim: dispatcher.DimH3R9Cat, From: "2026-10-01", To: "2026-12-31", Prefix: ""},
	} {
		rows, err := s.Tallies(t.Context(), q)
		must(t, err, "Tallies")
		want := map[string]int64{}
		for k, n := range expectTallies(written, q) {
			if len(k) >= len(q.Prefix) && k[:len(q.Prefix)] == q.Prefix {
				want[k] = n
			}
		}
		sameTallies(t, "Tallies with prefix "+q.Prefix+" "+q.From+".."+q.To, rows, want)
	}
}

// testListCasesCells: CaseFilter.Cells keeps the cases whose routing cell is one of those listed,
// with the other filters and the creation times as usual.
func testListCasesCells(t *testing.T, s dispatcher.Store) {
	cells := []string{"8940e3c8c03ffff", "8940e3c8c07ffff", "8940e3c8c03ffff", "8940e3c8c0bffff"}
	var cs []*dispatcher.Case
	for i, cell := range cells {
		c := newCase(i)
		c.Routing.Cell = cell
		create(t, s, c, 1)
		cs = append(cs, c)
	}
	first := cs[0].CreatedAt
	wantCases(t, s, "one cell", dispatcher.CaseFilter{Cells: cells[:1]}, cs, []int{0, 2}, -1)
	wantCases(t, s, "two cells", dispatcher.CaseFilter{Cells: cells[:2], Newest: true}, cs, []int{2, 1, 0}, -1)
	wantCases(t, s, "cells and created", dispatcher.CaseFilter{Cells: cells, CreatedFrom: first.Add(time.Hour),
		CreatedTo: first.Add(3 * time.Hour)}, cs, []int{1, 2}, -1)
	wantCases(t, s, "no such cell", dispatcher.CaseFilter{Cells: []string{"8940e3c8c0fffff"}}, cs, nil, -1)
}

// testDisplayTokens: a display token is created once per name, found by its hash, listed oldest
// first, disabled and enabled again, each with its admin log entry.
func testDisplayTokens(t *testing.T, s dispatcher.Store) {
	ctx := t.Context()
	hall := dispatcher.DisplayToken{Hash: "h1", Name: "大厅", CreatedAt: base}
	_, err := s.WriteAdmin(ctx, dispatcher.AdminWrite{Display: &hall, DisplayCreate: true,
		Entry: adminEntry(dispatcher.AdminDisplayCreate, "大厅", base, hall)})
	must(t, err, "WriteAdmin creating a display")
	dup := dispatcher.DisplayToken{Hash: "h2", Name: "大厅", CreatedAt: base}
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Display: &dup, DisplayCreate: true,
		Entry: adminEntry(dispatcher.AdminDisplayCreate, "大厅", base, dup)})
	wantCode(t, err, dispatcher.EConflict, "WriteAdmin creating a display whose name is taken")
	lobby := dispatcher.DisplayToken{Hash: "h3", Name: "二楼", CreatedAt: base.Add(time.Minute)}
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Display: &lobby, DisplayCreate: true,
		Entry: adminEntry(dispatcher.AdminDisplayCreate, "二楼", base, lobby)})
	must(t, err, "WriteAdmin creating a second display")
	hall.Disabled = true
	_, err = s.WriteAdmin(ctx, dispatcher.AdminWrite{Display: &hall, Entry: adminEntry(dispatcher.AdminDisplayUpdate, "大厅", base, hall)})
	must(t, err, "WriteAdmin disabling a display")
	got, err := s.DisplayToken(ctx, "h1")
	must(t, err, "DisplayToken")
	sameJSON(t, "the disabled display", got, hall)
	_, err = s.DisplayToken(ctx, "h2")
	wantCode(t, err, dispatcher.ENotFound, "DisplayToken of the refused duplicate")
	all, err := s.DisplayTokens(ctx)
	must(t, err, "DisplayTokens")
	if len(all) != 2 || all[0].Hash != "h1" || all[1].Hash != "h3" || !all[0].CreatedAt.Equal(base) {
		t.Errorf("DisplayTokens: %+v", all)
	}
	log, err := s.AdminLog(ctx, dispatcher.AdminLogFilter{Target: "大厅"})
	must(t, err, "AdminLog")
	if len(log) != 2 {
		t.Errorf("admin log of the display: %d entries; want 2 (the refused creation writes none)", len(log))
	}
}
