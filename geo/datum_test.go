package geo

import (
	"errors"
	"math"
	"testing"
)

// The district with a margin: the grid of the round-trip tests.
var districtBox = struct{ minLat, maxLat, minLng, maxLng float64 }{28.3, 29.3, 106.2, 107.3}

func TestGCJ02RoundTripOnDistrictGrid(t *testing.T) {
	worst := 0.0
	n := 0
	for lat := districtBox.minLat; lat <= districtBox.maxLat; lat += 0.01 {
		for lng := districtBox.minLng; lng <= districtBox.maxLng; lng += 0.01 {
			w := Point{Lat: lat, Lng: lng}
			g := WGS84ToGCJ02(w)
			if d := distanceM(w, g); d < 50 || d > 1500 {
				t.Fatalf("GCJ-02 offset at %v is %.1f m; expected the usual few hundred metres", w, d)
			}
			back := GCJ02ToWGS84(g)
			worst = math.Max(worst, distanceM(w, back))
			n++
		}
	}
	if worst >= 0.5 {
		t.Fatalf("GCJ-02 round trip: worst error %.3g m over %d points, want < 0.5 m", worst, n)
	}
	t.Logf("GCJ-02 round trip: worst error %.3g m over %d grid points", worst, n)
}

func TestBD09RoundTripOnDistrictGrid(t *testing.T) {
	worst := 0.0
	for lat := districtBox.minLat; lat <= districtBox.maxLat; lat += 0.02 {
		for lng := districtBox.minLng; lng <= districtBox.maxLng; lng += 0.02 {
			w := Point{Lat: lat, Lng: lng}
			b := GCJ02ToBD09(WGS84ToGCJ02(w))
			back, err := ToWGS84(b, BD09)
			if err != nil {
				t.Fatal(err)
			}
			worst = math.Max(worst, distanceM(w, back))
		}
	}
	if worst >= 0.5 {
		t.Fatalf("BD-09 round trip: worst error %.3g m, want < 0.5 m", worst)
	}
	t.Logf("BD-09 round trip: worst error %.3g m", worst)
}

// Reference values of the widely used open implementations at Tian'anmen (116.404, 39.915).
func TestDatumReferenceValues(t *testing.T) {
	in := Point{Lat: 39.915, Lng: 116.404}
	cases := []struct {
		name string
		got  Point
		want Point
	}{
		{"WGS84ToGCJ02", WGS84ToGCJ02(in), Point{Lat: 39.91640428150164, Lng: 116.41024449916938}},
		{"GCJ02ToBD09", GCJ02ToBD09(in), Point{Lat: 39.92133699351021, Lng: 116.41036949371029}},
		{"BD09ToGCJ02", BD09ToGCJ02(in), Point{Lat: 39.90865673957631, Lng: 116.39762729119315}},
	}
	for _, c := range cases {
		if math.Abs(c.got.Lat-c.want.Lat) > 1e-9 || math.Abs(c.got.Lng-c.want.Lng) > 1e-9 {
			t.Errorf("%s(%v) = %v, want %v", c.name, in, c.got, c.want)
		}
	}
}

func TestOutsideChinaIsUnchanged(t *testing.T) {
	for _, p := range []Point{{Lat: 48.8566, Lng: 2.3522}, {Lat: -33.87, Lng: 151.21}, {Lat: 60, Lng: 100}} {
		if g := WGS84ToGCJ02(p); g != p {
			t.Errorf("WGS84ToGCJ02(%v) = %v, want unchanged outside China", p, g)
		}
		if w := GCJ02ToWGS84(p); w != p {
			t.Errorf("GCJ02ToWGS84(%v) = %v, want unchanged outside China", p, w)
		}
	}
}

func TestToWGS84(t *testing.T) {
	w := Point{Lat: 29.0283, Lng: 106.6513}
	if got, err := ToWGS84(w, WGS84); err != nil || got != w {
		t.Fatalf("ToWGS84 wgs84 = %v, %v; want the point unchanged", got, err)
	}
	got, err := ToWGS84(WGS84ToGCJ02(w), GCJ02)
	if err != nil || distanceM(got, w) >= 0.5 {
		t.Fatalf("ToWGS84 gcj02 = %v, %v; want within 0.5 m of %v", got, err, w)
	}
	bad := []struct {
		p     Point
		d     Datum
		field string
	}{
		{w, "", "datum"},
		{w, "WGS-84", "datum"},
		{w, "cgcs2000", "datum"},
		{Point{Lat: math.NaN(), Lng: 106}, WGS84, "lat"},
		{Point{Lat: 29, Lng: math.Inf(1)}, GCJ02, "lng"},
		{Point{Lat: 90.0001, Lng: 106}, WGS84, "lat"},
		{Point{Lat: -91, Lng: 106}, BD09, "lat"},
		{Point{Lat: 29, Lng: 180.5}, WGS84, "lng"},
		{Point{Lat: 29, Lng: -181}, GCJ02, "lng"},
	}
	for _, c := range bad {
		_, err := ToWGS84(c.p, c.d)
		if got := errorField(err); got != c.field {
			t.Errorf("ToWGS84(%v, %q) = %v; want an error about %q", c.p, c.d, err, c.field)
		}
	}
}

// errorField names what an error of ToWGS84 is about: "datum", or the axis of the point.
func errorField(err error) string {
	var pe *PointError
	var de *DatumError
	switch {
	case errors.As(err, &pe):
		return string(pe.Axis)
	case errors.As(err, &de):
		return "datum"
	}
	return ""
}
