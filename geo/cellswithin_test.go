package geo

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// Every point within the radius of p lies in one of the cells CellsWithin gives: checked on
// random pairs around Qijiang, near the equator and far north, at the edge of the radius.
func TestCellsWithinCoversTheRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	centres := []Point{{Lat: 29.03, Lng: 106.65}, {Lat: 0.5, Lng: 10}, {Lat: 64, Lng: -20}}
	for _, c := range centres {
		for range 300 {
			p := Point{Lat: c.Lat + (rng.Float64()-0.5)*0.05, Lng: c.Lng + (rng.Float64()-0.5)*0.05}
			cells, err := CellsWithin(p, DefaultResolution, 250)
			if err != nil {
				t.Fatal(err)
			}
			q := pointAt(p, 249.9, rng.Float64()*2*math.Pi)
			cell, _ := CellAt(q, DefaultResolution)
			if d := Distance(p, q); d > 250 {
				t.Fatalf("test point %.1f m away", d)
			}
			if !slices.Contains(cells, cell) {
				t.Fatalf("%v is %.1f m from %v but its cell %s is not among the %d cells", q, Distance(p, q), p, cell, len(cells))
			}
		}
	}
}

// A radius of zero still gives the point's own cell and its ring; a wider one gives more.
func TestCellsWithinGrowsWithTheRadius(t *testing.T) {
	p := Point{Lat: 29.03, Lng: 106.65}
	small, _ := CellsWithin(p, DefaultResolution, 0)
	large, _ := CellsWithin(p, DefaultResolution, 1000)
	own, _ := CellAt(p, DefaultResolution)
	if !slices.Contains(small, own) || len(large) <= len(small) {
		t.Fatalf("radius 0: %d cells (own cell in: %v); radius 1000: %d", len(small), slices.Contains(small, own), len(large))
	}
}

// pointAt is the point d metres from p in direction bearing (radians from north), on a sphere.
func pointAt(p Point, d, bearing float64) Point {
	const r = 6371008.8
	lat1, lng1 := p.Lat*math.Pi/180, p.Lng*math.Pi/180
	a := d / r
	lat2 := math.Asin(math.Sin(lat1)*math.Cos(a) + math.Cos(lat1)*math.Sin(a)*math.Cos(bearing))
	lng2 := lng1 + math.Atan2(math.Sin(bearing)*math.Sin(a)*math.Cos(lat1), math.Cos(a)-math.Sin(lat1)*math.Sin(lat2))
	return Point{Lat: lat2 * 180 / math.Pi, Lng: lng2 * 180 / math.Pi}
}
