package dispatcher_test

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"

	"cityhub/dispatcher"
	"cityhub/geo"
)

// pointIn finds a few deterministic points inside jurisdiction code (by the brute-force test).
func pointIn(t *testing.T, js []geo.Jurisdiction, code string, n int) []dispatcher.Point {
	t.Helper()
	for _, j := range js {
		if j.Code != code {
			continue
		}
		var out []dispatcher.Point
		for _, p := range randomPoints(j.Bound, 2000, uint64(len(code))*7919) {
			if got, ok := bruteForce(js, p); ok && got == code {
				out = append(out, p)
				if len(out) == n {
					return out
				}
			}
		}
	}
	t.Fatalf("no point found in %s", code)
	return nil
}

// bruteForce is the reference answer: the first jurisdiction, in input order, whose shape
// contains p according to orb/planar.
func bruteForce(js []geo.Jurisdiction, p dispatcher.Point) (string, bool) {
	q := orb.Point{p.Lng, p.Lat}
	for _, j := range js {
		if j.Bound.Contains(q) && planar.MultiPolygonContains(j.Shape, q) {
			return j.Code, true
		}
	}
	return "", false
}

// districtBound is the union bound of the jurisdictions.
func districtBound(js []geo.Jurisdiction) orb.Bound {
	b := js[0].Shape.Bound()
	for _, j := range js[1:] {
		b = b.Union(j.Shape.Bound())
	}
	return b
}

// randomPoints draws n points uniformly in b with a fixed seed.
func randomPoints(b orb.Bound, n int, seed uint64) []dispatcher.Point {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]dispatcher.Point, n)
	for i := range out {
		out[i] = dispatcher.Point{
			Lat: b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
			Lng: b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
		}
	}
	return out
}

func route(t *testing.T, r *dispatcher.RoutingPolicy, p dispatcher.Point, category string) dispatcher.Routing {
	t.Helper()
	rt, err := r.Route(context.Background(), p, category)
	if err != nil {
		t.Fatalf("Route(%v, %s): %v", p, category, err)
	}
	return rt
}

func TestRouteTerritorial(t *testing.T) {
	_, r := qijiang(t)
	for _, p := range pointIn(t, r.Jurisdictions(), "QJ-GN", 5) {
		rt := route(t, r, p, "0501")
		cell, _ := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, geo.DefaultResolution)
		want := dispatcher.Routing{
			Outcome: dispatcher.RouteToUnit, Unit: "QJ-GN-DD", Jurisdiction: "QJ-GN",
			JurisdictionName: "古南街道", Authority: "綦江区", Cell: cell.String(),
			Resolution: geo.DefaultResolution, Exact: rt.Exact, Rule: "territorial",
			Explanation: rt.Explanation,
		}
		if !equalRouting(rt, want) {
			t.Errorf("Route(%v, 0501) = %+v\nwant %+v", p, rt, want)
		}
		for _, s := range []string{cell.String(), "古南街道", "古南大队", "属地"} {
			if !strings.Contains(rt.Explanation, s) {
				t.Errorf("explanation %q does not mention %q", rt.Explanation, s)
			}
		}
	}
}

func TestRouteCategoryUnitEverywhereInHomeAuthority(t *testing.T) {
	ref, r := qijiang(t)
	for _, j := range r.Jurisdictions() {
		if j.Authority != ref.HomeAuthority {
			continue
		}
		for _, p := range pointIn(t, r.Jurisdictions(), j.Code, 3) {
			rt := route(t, r, p, "0302")
			if rt.Outcome != dispatcher.RouteToUnit || rt.Unit != "QJ-ZTDD" || rt.Jurisdiction != j.Code ||
				rt.Rule != "category:0302 -> unit:QJ-ZTDD" {
				t.Errorf("0302 at %v in %s: %+v", p, j.Code, rt)
			}
			if !strings.Contains(rt.Explanation, "渣土扬尘大队") || !strings.Contains(rt.Explanation, "工地扬尘") {
				t.Errorf("explanation %q names neither the squad nor the category", rt.Explanation)
			}
		}
	}
}

func TestRouteOtherAuthorityIsTransferred(t *testing.T) {
	ref, r := qijiang(t)
	n := 0
	for _, j := range r.Jurisdictions() {
		if j.Authority == ref.HomeAuthority {
			continue
		}
		n++
		for _, p := range pointIn(t, r.Jurisdictions(), j.Code, 3) {
			// The authority rule comes before the category's own unit and its co-handlers.
			for _, cat := range []string{"0501", "0302", "0590"} {
				rt := route(t, r, p, cat)
				if rt.Outcome != dispatcher.RouteToTransfer || rt.Unit != "EXT-WS" || rt.Authority != "万盛经开区" ||
					rt.Rule != "authority:万盛经开区 -> EXT-WS" || rt.Jurisdiction != j.Code || rt.CoHandlers != nil {
					t.Errorf("%s at %v in %s: %+v", cat, p, j.Code, rt)
				}
				if !strings.Contains(rt.Explanation, "转交万盛经开区城市管理局") || !strings.Contains(rt.Explanation, j.Name) {
					t.Errorf("explanation %q", rt.Explanation)
				}
			}
		}
	}
	if n != 9 {
		t.Fatalf("%d jurisdictions of another authority, want 9", n)
	}
}

func TestRouteCoHandlers(t *testing.T) {
	_, r := qijiang(t)
	p := pointIn(t, r.Jurisdictions(), "QJ-WL", 1)[0]
	rt := route(t, r, p, "0590")
	if rt.Unit != "QJ-WL-DD" || len(rt.CoHandlers) != 1 || rt.CoHandlers[0] != "EXT-FIRE" {
		t.Fatalf("0590 in 文龙: %+v", rt)
	}
	if !strings.Contains(rt.Explanation, "消防救援支队") {
		t.Errorf("explanation %q does not name the co-handler", rt.Explanation)
	}
	rt.CoHandlers[0] = "changed"
	if again := route(t, r, p, "0590"); again.CoHandlers[0] != "EXT-FIRE" {
		t.Fatal("a caller changed the router's co-handlers through a Routing")
	}
	if rt := route(t, r, p, "0501"); rt.CoHandlers != nil {
		t.Errorf("0501 has co-handlers %v", rt.CoHandlers)
	}
}

func TestRouteErrors(t *testing.T) {
	_, r := qijiang(t)
	ctx := context.Background()
	gn := pointIn(t, r.Jurisdictions(), "QJ-GN", 1)[0]
	cases := []struct {
		name     string
		p        dispatcher.Point
		category string
		code     string
		field    string
		says     string
	}{
		{"far away", dispatcher.Point{Lat: 39.9, Lng: 116.4}, "0501", dispatcher.EOutside, "", "位置不在本区范围内"},
		{"just outside the box", dispatcher.Point{Lat: 28.0, Lng: 106.6}, "0501", dispatcher.EOutside, "", "outside the district"},
		{"unknown category", gn, "9999", dispatcher.EInvalid, "category", "9999"},
		{"empty category", gn, "", dispatcher.EInvalid, "category", ""},
		{"NaN", dispatcher.Point{Lat: math.NaN(), Lng: 106.6}, "0501", dispatcher.EInvalid, "lat", ""},
		{"lng out of range", dispatcher.Point{Lat: 29, Lng: 200}, "0501", dispatcher.EInvalid, "lng", ""},
	}
	for _, c := range cases {
		_, err := r.Route(ctx, c.p, c.category)
		if dispatcher.ErrorCode(err) != c.code || dispatcher.ErrorField(err) != c.field ||
			!strings.Contains(dispatcher.ErrorMessage(err), c.says) {
			t.Errorf("%s: err %v; want code %s field %q mentioning %q", c.name, err, c.code, c.field, c.says)
		}
	}
}

// A point inside the district's bounding box but in no polygon is outside too.
func TestRouteGapInsideBoundingBox(t *testing.T) {
	_, r := qijiang(t)
	js := r.Jurisdictions()
	for _, p := range randomPoints(districtBound(js), 500, 99) {
		if _, in := bruteForce(js, p); in {
			continue
		}
		_, err := r.Route(context.Background(), p, "0501")
		if dispatcher.ErrorCode(err) != dispatcher.EOutside {
			t.Fatalf("Route(%v) = %v, want EOutside", p, err)
		}
		return
	}
	t.Fatal("no gap found in the bounding box")
}

// Border cells are decided by the exact test and say so; interior cells do not.
func TestRouteExactFlag(t *testing.T) {
	_, r := qijiang(t)
	seen := map[bool]int{}
	for _, p := range randomPoints(districtBound(r.Jurisdictions()), 3000, 5) {
		rt, err := r.Route(context.Background(), p, "0501")
		if err != nil {
			continue
		}
		seen[rt.Exact]++
		if rt.Exact != strings.Contains(rt.Explanation, "精确判定") {
			t.Fatalf("Exact %v but explanation %q", rt.Exact, rt.Explanation)
		}
	}
	if seen[true] == 0 || seen[false] == 0 {
		t.Fatalf("exact/map answers: %v; want both", seen)
	}
	t.Logf("exact %d, from the map %d", seen[true], seen[false])
}

func TestNewRoutingPolicyRejectsIncompleteReference(t *testing.T) {
	ref, _ := qijiang(t)
	if _, err := dispatcher.NewRoutingPolicy(nil); err == nil {
		t.Error("dispatcher.NewRoutingPolicy(nil) succeeded")
	}
	mutate := map[string]func(*dispatcher.Reference){
		"no territorial unit": func(r *dispatcher.Reference) { r.Units = dropUnit(r.Units, "QJ-GN-DD") },
		"no external agency":  func(r *dispatcher.Reference) { r.Units = dropUnit(r.Units, "EXT-WS") },
		"bad route": func(r *dispatcher.Reference) {
			r.Catalogue.Groups = cloneGroups(r.Catalogue.Groups)
			r.Catalogue.Groups[0].Items[0].Route = "nearest"
		},
		"unknown co-handler": func(r *dispatcher.Reference) {
			r.Catalogue.Groups = cloneGroups(r.Catalogue.Groups)
			r.Catalogue.Groups[0].Items[0].CoHandlers = []string{"NOPE"}
		},
		"bad polygons": func(r *dispatcher.Reference) { r.Jurisdictions = []byte(`{"type":"FeatureCollection","features":[]}`) },
	}
	for name, f := range mutate {
		cp := *ref
		f(&cp)
		if _, err := dispatcher.NewRoutingPolicy(&cp); err == nil {
			t.Errorf("%s: NewRouter succeeded", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func dropUnit(us []dispatcher.Unit, code string) []dispatcher.Unit {
	var out []dispatcher.Unit
	for _, u := range us {
		if u.Code != code {
			out = append(out, u)
		}
	}
	return out
}

func equalRouting(a, b dispatcher.Routing) bool {
	return reflect.DeepEqual(a, b)
}

func BenchmarkRoute(b *testing.B) {
	_, r := qijiang(b)
	js := r.Jurisdictions()
	var pts []dispatcher.Point
	for _, p := range randomPoints(districtBound(js), 20000, 42) {
		if _, in := bruteForce(js, p); in && len(pts) < 4096 {
			pts = append(pts, p)
		}
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := r.Route(ctx, pts[i%len(pts)], "0590"); err != nil {
			b.Fatal(err)
		}
	}
}
