package geo

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"
)

func TestIndexBuild(t *testing.T) {
	js := qijiangJurisdictions(t)
	for _, res := range []int{8, DefaultResolution} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		ix, err := NewIndex(js, res)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		runtime.GC()
		runtime.ReadMemStats(&after)
		s := ix.Stats()
		t.Logf("res %d: %d cells (%d interior, %d border, %d outside), %d border edges, ~%.1f MB estimated, %.1f MB measured, built in %v",
			res, s.Cells, s.Interior, s.Border, s.Outside, s.BorderEdges, float64(s.Bytes)/1e6,
			float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1e6, took)
		runtime.KeepAlive(ix)
	}
}

// lattice coordinates: vertices and query points share the same expression, so a query point can
// sit exactly on a vertex, on a north-south or east-west edge, or on a vertex's longitude.
func latticeLng(i int) float64 { return 106.5 + float64(i)*0.00025 }
func latticeLat(i int) float64 { return 29.0 + float64(i)*0.00025 }

func latticeRing(ij ...int) orb.Ring {
	r := make(orb.Ring, 0, len(ij)/2+1)
	for k := 0; k+1 < len(ij); k += 2 {
		r = append(r, orb.Point{latticeLng(ij[k]), latticeLat(ij[k+1])})
	}
	return append(r, r[0])
}

// latticeJurisdictions are small shapes full of degenerate cases: shared edges, a hole, a hole
// touching its outer ring, overlapping shapes (the first in order wins), north-south edges,
// spikes, a MultiPolygon, both windings.
func latticeJurisdictions() []Jurisdiction {
	shapes := []struct {
		code  string
		shape orb.MultiPolygon
	}{
		{"SQUARE", orb.MultiPolygon{{
			latticeRing(0, 0, 40, 0, 40, 40, 0, 40),
			latticeRing(10, 10, 10, 20, 20, 20, 20, 10), // clockwise hole
			latticeRing(30, 30, 40, 30, 40, 36, 34, 36), // hole touching the outer ring
		}}},
		{"NEIGHBOUR", orb.MultiPolygon{{latticeRing(40, 0, 60, 0, 60, 40, 50, 20, 40, 40)}}},
		{"OVERLAP", orb.MultiPolygon{{latticeRing(30, 10, 50, 10, 50, 14, 30, 14)}}},
		{"SPIKES", orb.MultiPolygon{
			{latticeRing(0, 44, 20, 44, 20, 60, 10, 46, 10, 60, 0, 60)},
			{latticeRing(24, 44, 24, 70, 26, 44, 28, 70, 30, 44, 30, 72, 22, 72, 22, 44)},
		}},
		{"INHOLE", orb.MultiPolygon{{latticeRing(12, 12, 18, 12, 18, 18, 12, 18)}}},
		{"ARROWS", orb.MultiPolygon{
			{latticeRing(44, 44, 56, 50, 44, 56)},         // points east: a vertex east of both its edges
			{latticeRing(70, 44, 70, 56, 58, 50)},         // points west
			{latticeRing(34, 62, 40, 74, 46, 62, 40, 68)}, // a notch from the south
		}},
	}
	var js []Jurisdiction
	for _, s := range shapes {
		js = append(js, Jurisdiction{Code: s.code, Shape: s.shape})
	}
	return js
}

// TestIndexExactOnLattice checks bit-for-bit agreement with orb/planar on points exactly on
// vertices and edges, at resolutions where the shapes are much smaller and much larger than cells.
func TestIndexExactOnLattice(t *testing.T) {
	js := latticeJurisdictions()
	var pts []Point
	for i := -4; i <= 76; i++ {
		for k := -4; k <= 76; k++ {
			pts = append(pts, Point{Lat: latticeLat(k), Lng: latticeLng(i)})
		}
	}
	pts = append(pts, randomPoints(orb.Bound{Min: orb.Point{106.499, 28.999}, Max: orb.Point{106.52, 29.02}}, 5000, 3)...)
	for _, res := range []int{6, 9, 11, 12} {
		ix, err := NewIndex(js, res)
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, p := range pts {
			want, wok := bruteForce(ix.Jurisdictions(), p)
			h, ok := ix.Locate(p)
			if ok != wok || (ok && h.Jurisdiction.Code != want) {
				bad++
				if bad < 5 {
					t.Errorf("res %d: Locate(%v) = %v %v, brute force %q %v", res, p, h.Jurisdiction, ok, want, wok)
				}
			}
		}
		s := ix.Stats()
		if bad > 0 {
			t.Errorf("res %d: %d of %d points disagree", res, bad, len(pts))
		}
		t.Logf("res %d: %d interior, %d border, %d outside cells; %d fallbacks", res, s.Interior, s.Border, s.Outside, s.Fallbacks)
	}
}

// Points right at the corners of cells are where H3's cell and the safety box are closest.
func TestIndexAtCellVertices(t *testing.T) {
	ix := qijiangIndex(t)
	before := ix.Stats().Fallbacks
	n := 0
	for c := range ix.cells {
		if n++; n%40 != 0 {
			continue
		}
		bnd, err := c.Boundary()
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range bnd {
			for _, d := range []float64{0, 1e-9, -1e-9} {
				p := Point{Lat: v.Lat + d, Lng: v.Lng - d}
				want, wok := bruteForce(ix.js, p)
				h, ok := ix.Locate(p)
				if ok != wok || (ok && h.Jurisdiction.Code != want) {
					t.Fatalf("Locate(%v) = %v %v, brute force %q %v", p, h.Jurisdiction, ok, want, wok)
				}
			}
		}
	}
	if fb := ix.Stats().Fallbacks - before; fb != 0 {
		t.Errorf("%d lookups at cell corners fell outside their cell's safety box", fb)
	}
}

func TestNewIndexErrors(t *testing.T) {
	js := latticeJurisdictions()
	if _, err := NewIndex(js, 16); err == nil {
		t.Error("resolution 16 accepted")
	}
	if _, err := NewIndex(nil, 9); err == nil {
		t.Error("no jurisdictions accepted")
	}
	world := []Jurisdiction{{Code: "W", Shape: orb.MultiPolygon{{orb.Ring{{-170, -80}, {170, -80}, {170, 80}, {-170, 80}, {-170, -80}}}}}}
	if _, err := NewIndex(world, 9); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("a world-sized jurisdiction at resolution 9: %v, want the size limit", err)
	}
	bad := []Jurisdiction{{Code: "B", Shape: orb.MultiPolygon{{orb.Ring{{0, 0}, {1, 0}, {0, 0}}}}}}
	if _, err := NewIndex(bad, 9); err == nil {
		t.Error("a short ring accepted")
	}
}
