package geo

import (
	"testing"

	"github.com/paulmach/orb"
)

// TestLabelPoint: the label point of a square is its centre; that of a C-shaped polygon, whose
// centroid lies in the gap, is inside the polygon.
func TestLabelPoint(t *testing.T) {
	square := Jurisdiction{Shape: orb.MultiPolygon{{{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {0, 0}}}}}
	if p := square.LabelPoint(); p != (Point{Lat: 1, Lng: 1}) {
		t.Errorf("square: %v", p)
	}
	// A C open to the east: the bar at x 0..1 and two arms at y 0..1 and 3..4 reaching x 4.
	c := orb.Polygon{{{0, 0}, {4, 0}, {4, 1}, {1, 1}, {1, 3}, {4, 3}, {4, 4}, {0, 4}, {0, 0}}}
	j := Jurisdiction{Shape: orb.MultiPolygon{{{{10, 10}, {10.1, 10}, {10.1, 10.1}, {10, 10}}}, c}}
	p := j.LabelPoint()
	if !contains(c, orb.Point{p.Lng, p.Lat}) {
		t.Errorf("C shape: label point %v is outside it", p)
	}
}

func contains(p orb.Polygon, q orb.Point) bool {
	in := false
	for _, r := range p {
		for i, k := 0, len(r)-1; i < len(r); k, i = i, i+1 {
			if (r[i].Y() > q.Y()) != (r[k].Y() > q.Y()) && q.X() < (r[k].X()-r[i].X())*(q.Y()-r[i].Y())/(r[k].Y()-r[i].Y())+r[i].X() {
				in = !in
			}
		}
	}
	return in
}
