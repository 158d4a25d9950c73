package geo

import (
	"math"
	"strings"
	"testing"
)

func TestLoadQijiangJurisdictions(t *testing.T) {
	js := qijiangJurisdictions(t)
	if len(js) != 31 {
		t.Fatalf("got %d jurisdictions, want 31", len(js))
	}
	byCode := map[string]Jurisdiction{}
	for _, j := range js {
		byCode[j.Code] = j
		if j.Name == "" || j.Kind == "" || j.Authority == "" {
			t.Errorf("%s: missing name, kind or authority: %+v", j.Code, j)
		}
		if j.Bound != j.Shape.Bound() {
			t.Errorf("%s: Bound %v is not the shape's bound %v", j.Code, j.Bound, j.Shape.Bound())
		}
	}
	wd := byCode["QJ-WD"]
	if wd.Name != "万东镇" || wd.Authority != "万盛经开区" || len(wd.Shape) != 1 || len(wd.Shape[0]) != 15 {
		t.Errorf("万东镇 should be one polygon with 14 holes under 万盛经开区, got %d polygons, %d rings",
			len(wd.Shape), len(wd.Shape[0]))
	}
	if gn := byCode["QJ-GN"]; gn.Name != "古南街道" || gn.Kind != "street" || gn.Authority != "綦江区" {
		t.Errorf("QJ-GN = %+v", gn)
	}
	if len(byCode["QJ-DL"].Shape) != 7 {
		t.Errorf("东林街道 should be a MultiPolygon of 7, got %d", len(byCode["QJ-DL"].Shape))
	}
}

// A small valid collection: a square with a hole, and a MultiPolygon of two squares.
const validCollection = `{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"code":"A","name":"甲","kind":"town","authority":"X"},
 "geometry":{"type":"Polygon","coordinates":[[[106,29],[106.1,29],[106.1,29.1],[106,29.1],[106,29]],
  [[106.04,29.04],[106.04,29.06],[106.06,29.06],[106.06,29.04],[106.04,29.04]]]}},
{"type":"Feature","properties":{"code":"B","name":"乙","kind":"street","authority":"Y"},
 "geometry":{"type":"MultiPolygon","coordinates":[[[[106.2,29],[106.3,29],[106.3,29.1],[106.2,29],[106.2,29]]],
  [[[106.4,29],[106.5,29],[106.5,29.1],[106.4,29]]]]}}]}`

// feature wraps a geometry and properties into a one-feature collection.
func feature(props, geometry string) string {
	return `{"type":"FeatureCollection","features":[{"type":"Feature","properties":` + props +
		`,"geometry":` + geometry + `}]}`
}

const square = `{"type":"Polygon","coordinates":[[[106,29],[106.1,29],[106.1,29.1],[106,29]]]}`

var brokenCollections = []struct {
	name, data, want string
}{
	{"not json", `{"type":`, "not a GeoJSON FeatureCollection"},
	{"a feature", `{"type":"Feature","properties":{},"geometry":null}`, "not a feature collection"},
	{"a geometry", square, "not a feature collection"},
	{"empty", `{"type":"FeatureCollection","features":[]}`, "no features"},
	{"no features member", `{"type":"FeatureCollection"}`, "no features"},
	{"null feature", `{"type":"FeatureCollection","features":[null]}`, "feature is null"},
	{"no code", feature(`{"name":"x"}`, square), "no code"},
	{"empty code", feature(`{"code":""}`, square), "no code"},
	{"numeric code", feature(`{"code":7}`, square), `"code" must be a string`},
	{"numeric name", feature(`{"code":"A","name":7}`, square), `"name" must be a string`},
	{"duplicate code", `{"type":"FeatureCollection","features":[
		{"type":"Feature","properties":{"code":"A"},"geometry":` + square + `},
		{"type":"Feature","properties":{"code":"A"},"geometry":` + square + `}]}`, `duplicate code "A"`},
	{"null geometry", feature(`{"code":"A"}`, `null`), "no geometry"},
	{"point", feature(`{"code":"A"}`, `{"type":"Point","coordinates":[106,29]}`), "want Polygon or MultiPolygon"},
	{"line", feature(`{"code":"A"}`, `{"type":"LineString","coordinates":[[106,29],[107,29]]}`), "want Polygon or MultiPolygon"},
	{"collection", feature(`{"code":"A"}`, `{"type":"GeometryCollection","geometries":[]}`), "want Polygon or MultiPolygon"},
	{"unknown type", feature(`{"code":"A"}`, `{"type":"Circle","coordinates":[]}`), "not a GeoJSON FeatureCollection"},
	{"no rings", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[]}`), "no rings"},
	{"no polygons", feature(`{"code":"A"}`, `{"type":"MultiPolygon","coordinates":[]}`), "no polygons"},
	{"short ring", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[106.1,29],[106,29]]]}`), "at least 4"},
	{"open ring", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[106.1,29],[106.1,29.1],[106,29.1]]]}`), "not closed"},
	{"open hole", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[106.1,29],[106.1,29.1],[106,29]],[[106.01,29.01],[106.02,29.01],[106.02,29.02],[106.01,29.03]]]}`), "ring 1: not closed"},
	{"latitude out of range", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[106.1,91],[106.1,29.1],[106,29]]]}`), "latitude 91"},
	{"longitude out of range", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[181,29],[106.1,29.1],[106,29]]]}`), "longitude 181"},
	{"huge number", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[1e999,29],[106.1,29.1],[106,29]]]}`), "not a GeoJSON FeatureCollection"},
	{"short position", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],[106.1],[106.1,29.1],[106,29]]]}`), "position 1 has 1 numbers"},
	{"string coordinate", feature(`{"code":"A"}`, `{"type":"Polygon","coordinates":[[[106,29],["106.1",29],[106.1,29.1],[106,29]]]}`), "not a GeoJSON FeatureCollection"},
}

func TestLoadJurisdictionsErrors(t *testing.T) {
	if js, err := LoadJurisdictions([]byte(validCollection)); err != nil || len(js) != 2 {
		t.Fatalf("valid collection: %d jurisdictions, %v", len(js), err)
	}
	for _, c := range brokenCollections {
		js, err := LoadJurisdictions([]byte(c.data))
		if err == nil {
			t.Errorf("%s: loaded %d jurisdictions, want an error", c.name, len(js))
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "jurisdictions: ") {
			t.Errorf("%s: error %q, want it to mention %q", c.name, err, c.want)
		}
	}
}

// FuzzLoadJurisdictions checks that the loader never panics and that whatever it accepts keeps
// the promises the index relies on.
func FuzzLoadJurisdictions(f *testing.F) {
	f.Add([]byte(validCollection))
	for _, c := range brokenCollections {
		f.Add([]byte(c.data))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := LoadJurisdictions(data)
		if err != nil {
			if js != nil {
				t.Fatalf("error %v with %d jurisdictions", err, len(js))
			}
			return
		}
		checkLoaded(t, js)
	})
}

// checkLoaded asserts the loader's guarantees on an accepted collection.
func checkLoaded(t *testing.T, js []Jurisdiction) {
	if len(js) == 0 {
		t.Fatal("accepted an empty collection")
	}
	seen := map[string]bool{}
	for _, j := range js {
		if j.Code == "" || seen[j.Code] {
			t.Fatalf("empty or duplicate code %q", j.Code)
		}
		seen[j.Code] = true
		if len(j.Shape) == 0 || j.Bound != j.Shape.Bound() {
			t.Fatalf("%s: empty shape or wrong bound", j.Code)
		}
		for _, poly := range j.Shape {
			if len(poly) == 0 {
				t.Fatalf("%s: polygon without rings", j.Code)
			}
			for _, r := range poly {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Fatalf("%s: bad ring %v", j.Code, r)
				}
				for _, p := range r {
					if math.IsNaN(p[0]) || math.IsNaN(p[1]) || math.Abs(p[0]) > 180 || math.Abs(p[1]) > 90 {
						t.Fatalf("%s: bad position %v", j.Code, p)
					}
				}
			}
		}
	}
}
