package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"cityhub/dispatcher"
	"cityhub/geo"
)

func decodeInto[T any](t *testing.T, raw []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return v
}

// TestSnapshotAPI: the snapshot lists the caller's cases as rows (a unit only its own, the
// reporter masked outside the call-back roles) with the stream position; a parameter is refused.
func TestSnapshotAPI(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("snap-1")
	type snapshot struct {
		LastEventID int64 `json:"last_event_id"`
		Cases       []map[string]any
	}
	snap := decodeInto[snapshot](t, h.mustCall("disp1", "GET", "/api/v1/console/snapshot", nil, 200))
	if len(snap.Cases) != 1 || snap.LastEventID != 3 {
		t.Fatalf("snapshot %+v, want the one case at event 3", snap)
	}
	row := snap.Cases[0]
	for _, field := range []string{"id", "number", "state", "owner", "unit", "channel", "nature", "category",
		"jurisdiction", "point", "deadline", "warning", "return_count", "arbitration", "extension", "suspended_at",
		"repeat_of", "merged_into", "inspector", "created_at", "updated_at", "version", "text", "reporter"} {
		if _, ok := row[field]; !ok {
			t.Errorf("a row has no %s: %v", field, row)
		}
	}
	if row["number"] != c.Number || row["version"] != float64(3) || row["reporter"].(map[string]any)["phone"] != "138****5678" {
		t.Errorf("the dispatcher's row: %v", row)
	}
	if snap := decodeInto[snapshot](t, h.mustCall("op1", "GET", "/api/v1/console/snapshot", nil, 200)); snap.Cases[0]["reporter"].(map[string]any)["phone"] != reporterPhone {
		t.Errorf("the operator's row: %v", snap.Cases[0]["reporter"])
	}
	if snap := decodeInto[snapshot](t, h.mustCall("sj-lead", "GET", "/api/v1/console/snapshot", nil, 200)); len(snap.Cases) != 0 {
		t.Errorf("三江's lead sees 古南's case: %v", snap.Cases)
	}
	if snap := decodeInto[snapshot](t, h.mustCall("gn-1", "GET", "/api/v1/console/snapshot", nil, 200)); len(snap.Cases) != 1 {
		t.Errorf("古南's officer sees %d cases, want 1", len(snap.Cases))
	}
	h.mustCall("disp1", "GET", "/api/v1/console/snapshot?since=3", nil, 400)
}

// TestRoutePreviewAPI: the router's answer for a point in any datum and what filing would do;
// bad input is refused in the API's terms, and nothing is written.
func TestRoutePreviewAPI(t *testing.T) {
	h := newAPIHub(t)
	pv := decodeInto[dispatcher.RoutePreview](t, h.mustCall("op1", "GET", "/api/v1/route?lat=28.95&lng=106.60&category=0501", nil, 200))
	if pv.Outcome != "dispatch" || pv.Routing.Unit != "QJ-GN-DD" || pv.Routing.Jurisdiction != "QJ-GN" {
		t.Errorf("preview %+v", pv)
	}
	g := geo.WGS84ToGCJ02(geo.Point{Lat: 28.95, Lng: 106.60})
	path := "/api/v1/route?datum=gcj02&category=0501&lat=" + ftoa(g.Lat) + "&lng=" + ftoa(g.Lng)
	gcj := decodeInto[dispatcher.RoutePreview](t, h.mustCall("insp1", "GET", path, nil, 200))
	if d := geo.Distance(gcj.Point, geo.Point{Lat: 28.95, Lng: 106.60}); d > 1 || gcj.Routing.Cell != pv.Routing.Cell {
		t.Errorf("the GCJ-02 point came back %.1f m off, in cell %s (want %s)", d, gcj.Routing.Cell, pv.Routing.Cell)
	}
	for path, field := range map[string]string{
		"/api/v1/route?lng=106.60&category=0501":                     "lat",
		"/api/v1/route?lat=north&lng=106.60&category=0501":           "lat",
		"/api/v1/route?lat=28.95&lng=106.60&category=0501&x=1":       "x",
		"/api/v1/route?lat=28.95&lng=106.60":                         "category",
		"/api/v1/route?lat=28.95&lng=106.60&category=0501&datum=utm": "datum",
		"/api/v1/route?lat=91&lng=106.60&category=0501":              "lat",
	} {
		p := decodeInto[problem](t, h.mustCall("op1", "GET", path, nil, 400))
		if p.Field != field || !strings.Contains(p.Detail, "(") {
			t.Errorf("%s: field %q detail %q, want field %s", path, p.Field, p.Detail, field)
		}
	}
	if p := decodeInto[problem](t, h.mustCall("op1", "GET", "/api/v1/route?lat=39.9&lng=116.4&category=0501", nil, 400)); p.Code != "outside" {
		t.Errorf("Beijing: %+v", p)
	}
	if page := decodeInto[dispatcher.CasePage](t, h.mustCall("lead1", "GET", "/api/v1/cases", nil, 200)); page.Total != 0 {
		t.Errorf("previews wrote %d cases", page.Total)
	}
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

// TestNearbyAPI: open cases of the category near the point, nearest first with their distance,
// each unit only its own.
func TestNearbyAPI(t *testing.T) {
	h := newAPIHub(t)
	c := h.report("near-1") // 0501 at 28.95, 106.60
	type nearby struct {
		Radius float64 `json:"radius_m"`
		Days   int
		Cases  []struct {
			Number   string
			Distance float64 `json:"distance_m"`
		}
	}
	n := decodeInto[nearby](t, h.mustCall("op1", "GET", "/api/v1/cases/nearby?lat=28.9509&lng=106.60&category=0501", nil, 200))
	if n.Radius != 250 || n.Days != 30 || len(n.Cases) != 1 || n.Cases[0].Number != c.Number || n.Cases[0].Distance < 99 || n.Cases[0].Distance > 101 {
		t.Errorf("nearby: %+v, want %s at 100 m", n, c.Number)
	}
	if n := decodeInto[nearby](t, h.mustCall("op1", "GET", "/api/v1/cases/nearby?lat=28.9509&lng=106.60&category=0101", nil, 200)); len(n.Cases) != 0 {
		t.Errorf("another category: %+v", n)
	}
	if n := decodeInto[nearby](t, h.mustCall("sj-1", "GET", "/api/v1/cases/nearby?lat=28.95&lng=106.60&category=0501", nil, 200)); len(n.Cases) != 0 {
		t.Errorf("三江 sees 古南's case nearby: %+v", n)
	}
	h.mustCall("op1", "GET", "/api/v1/cases/nearby?lat=28.95&lng=106.60", nil, 400)
}

// TestCallerHistoryAPI: GET /api/v1/cases?phone= lists a caller's cases for operators and shift
// leaders, newest first; everyone else gets 403, and an empty or malformed number 400.
func TestCallerHistoryAPI(t *testing.T) {
	h := newAPIHub(t)
	first, second := h.report("call-1"), h.report("call-2")
	page := decodeInto[dispatcher.CasePage](t, h.mustCall("op1", "GET", "/api/v1/cases?phone="+reporterPhone, nil, 200))
	if page.Total != 2 || page.Cases[0].Number != second.Number || page.Cases[1].Number != first.Number ||
		page.Cases[0].Reporter.Phone != reporterPhone {
		t.Errorf("the caller's cases: %+v", page)
	}
	if page := decodeInto[dispatcher.CasePage](t, h.mustCall("lead1", "GET", "/api/v1/cases?phone=13800000000", nil, 200)); page.Total != 0 {
		t.Errorf("another number: %d cases", page.Total)
	}
	for _, login := range []string{"disp1", "insp1", "legal1", "boss", "admin", "gn-lead", "gn-1"} {
		h.mustCall(login, "GET", "/api/v1/cases?phone="+reporterPhone, nil, 403)
	}
	h.mustCall("op1", "GET", "/api/v1/cases?phone=", nil, 400)
	h.mustCall("op1", "GET", "/api/v1/cases?phone=138%25", nil, 400)
}

// TestPlacesAPI: a search over jurisdiction names and the gazetteer; q is required.
func TestPlacesAPI(t *testing.T) {
	h := newAPIHub(t)
	type places struct{ Places []dispatcher.PlaceHit }
	got := decodeInto[places](t, h.mustCall("op1", "GET", "/api/v1/places?q="+url.QueryEscape("万达"), nil, 200))
	if len(got.Places) != 1 || got.Places[0].ID != "qj-wd" || got.Places[0].JurisdictionName != "通惠街道" {
		t.Errorf("万达: %+v", got.Places)
	}
	if got := decodeInto[places](t, h.mustCall("gn-1", "GET", "/api/v1/places?q="+url.QueryEscape("三江"), nil, 200)); len(got.Places) == 0 || got.Places[0].ID != "QJ-SJ" {
		t.Errorf("三江: %+v", got.Places)
	}
	for _, path := range []string{"/api/v1/places", "/api/v1/places?q=", "/api/v1/places?q=a&q=b", "/api/v1/places?name=a"} {
		h.mustCall("op1", "GET", path, nil, 400)
	}
}
