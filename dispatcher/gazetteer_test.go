package dispatcher_test

import (
	"strings"
	"testing"

	D "cityhub/dispatcher"
)

// TestGazetteerSeeds: every place of the demo gazetteer lies inside the jurisdiction its address
// names, as the router decides it.
func TestGazetteerSeeds(t *testing.T) {
	ref, router := qijiang(t)
	if len(ref.Places) < 10 {
		t.Fatalf("the demo gazetteer has %d places", len(ref.Places))
	}
	for _, p := range ref.Places {
		hit, ok := router.Index().Locate(p.Point)
		if !ok || !strings.HasPrefix(p.Address, hit.Jurisdiction.Name) {
			t.Errorf("%s (%s) at %v lies in %v, not where its address says", p.Name, p.Address, p.Point, hit.Jurisdiction)
		}
	}
}

// TestSearchPlaces: jurisdictions and places by name or alias, exact matches first, then
// prefixes, shorter names first; the alias that matched is named; each place carries its
// jurisdiction, each jurisdiction a point inside it and its bounds.
func TestSearchPlaces(t *testing.T) {
	f := newFixture(t, false)
	hits, err := f.svc.SearchPlaces("古南")
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) < 2 || hits[0].Type != "jurisdiction" || hits[0].ID != "QJ-GN" || hits[0].Bounds == nil ||
		hits[1].Name != "古南街道办事处" || hits[1].Jurisdiction != "QJ-GN" {
		t.Fatalf("古南: %+v", hits)
	}
	if r, err := f.svc.PreviewRoute(f.ctx, hits[0].Point, "0501", ""); err != nil || r.Routing.Jurisdiction != "QJ-GN" {
		t.Errorf("古南's label point %v routes to %v (%v)", hits[0].Point, r.Routing.Jurisdiction, err)
	}
	for q, want := range map[string]string{"万达": "綦江万达广场", "綦中": "重庆市綦江中学", " 区 政府 ": "綦江区人民政府"} {
		hits, err := f.svc.SearchPlaces(q)
		if err != nil || len(hits) == 0 || hits[0].Name != want || hits[0].Matched == "" || hits[0].Type != "place" {
			t.Errorf("%q: %+v %v, want %s by an alias", q, hits, err, want)
		}
	}
	if hits, _ := f.svc.SearchPlaces("綦江中学"); len(hits) != 1 || hits[0].Matched != "綦江中学" || hits[0].Kind != "school" || hits[0].KindName != "学校" {
		t.Errorf("綦江中学: %+v", hits)
	}
	if hits, err := f.svc.SearchPlaces("不存在的地方"); err != nil || len(hits) != 0 {
		t.Errorf("nowhere: %+v %v", hits, err)
	}
	for _, q := range []string{"", "  ", strings.Repeat("街", 51)} {
		if _, err := f.svc.SearchPlaces(q); D.ErrorField(err) != "q" {
			t.Errorf("q %q: %v", q, err)
		}
	}
}
