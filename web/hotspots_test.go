package web

import (
	"encoding/json"
	"testing"

	"cityhub/dispatcher"
)

// The hot-spot map and a cell's cases over HTTP: the leader reads them, a street team may not,
// bad parameters are 400s with the field named.
func TestHotspotsAPI(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("hot-1")
	h.report("hot-2")
	var rep dispatcher.HotspotReport
	raw := h.mustCall("boss", "GET", "/api/v1/hotspots?res=9&period=today", nil, 200)
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Cells) != 1 || rep.Cells[0].Cell != c.Routing.Cell || rep.Cells[0].Count != 2 || rep.Max != 2 {
		t.Fatalf("hotspots: %s; want the report's cell %s with 2", raw, c.Routing.Cell)
	}
	if len(rep.Cells[0].Boundary) != 6 || rep.From != "2026-11-25" || rep.To != "2026-11-25" {
		t.Errorf("hotspots: %s", raw)
	}
	raw = h.mustCall("boss", "GET", "/api/v1/hotspots?res=7&category=0501&period=year", nil, 200)
	if err := json.Unmarshal(raw, &rep); err != nil || len(rep.Cells) != 1 || rep.Cells[0].Count != 2 || rep.Res != 7 {
		t.Errorf("res-7 hotspots of 0501: %s", raw)
	}
	var page dispatcher.CellCases
	raw = h.mustCall("boss", "GET", "/api/v1/hotspots/"+rep.Cells[0].Cell+"/cases?period=month&limit=1", nil, 200)
	if err := json.Unmarshal(raw, &page); err != nil || page.Total != 2 || len(page.Cases) != 1 {
		t.Fatalf("cases of the res-7 cell: %s", raw)
	}
	if r := page.Cases[0].Reporter; r == nil || r.Phone == reporterPhone {
		t.Errorf("the leader sees the reporter %+v; want it masked", r)
	}
	for _, bad := range []struct {
		login, path string
		status      int
	}{
		{"gn-1", "/api/v1/hotspots", 403},
		{"gn-1", "/api/v1/hotspots/" + c.Routing.Cell + "/cases", 403},
		{"boss", "/api/v1/hotspots?res=8", 400},
		{"boss", "/api/v1/hotspots?res=x", 400},
		{"boss", "/api/v1/hotspots?period=decade", 400},
		{"boss", "/api/v1/hotspots?category=9999", 400},
		{"boss", "/api/v1/hotspots/nocell/cases", 400},
		{"boss", "/api/v1/hotspots/" + c.Routing.Cell + "/cases?limit=101", 400},
	} {
		h.mustCall(bad.login, "GET", bad.path, nil, bad.status)
	}
}
