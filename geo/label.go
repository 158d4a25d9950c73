package geo

import (
	"slices"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// LabelPoint is a point inside the jurisdiction at which to mark it on a map or centre a map on
// it: the centroid of its largest polygon when that lies inside the polygon (it does not always:
// a crescent's centroid lies outside), otherwise the middle of the widest stretch of the polygon
// along the centroid's parallel.
func (j *Jurisdiction) LabelPoint() Point {
	var largest orb.Polygon
	area := -1.0
	for _, p := range j.Shape {
		if a := planar.Area(p); a > area {
			largest, area = p, a
		}
	}
	if len(largest) == 0 {
		return Point{}
	}
	c, _ := planar.CentroidArea(largest)
	if planar.PolygonContains(largest, c) {
		return Point{Lat: c.Y(), Lng: c.X()}
	}
	return Point{Lat: c.Y(), Lng: widestMiddle(largest, c.Y())}
}

// widestMiddle is the longitude of the middle of the widest stretch inside the polygon along the
// parallel at lat (even-odd rule over every ring, so holes are left out).
func widestMiddle(poly orb.Polygon, lat float64) float64 {
	var xs []float64
	for _, ring := range poly {
		for i := 1; i < len(ring); i++ {
			a, b := ring[i-1], ring[i]
			if (a.Y() > lat) != (b.Y() > lat) {
				xs = append(xs, a.X()+(lat-a.Y())*(b.X()-a.X())/(b.Y()-a.Y()))
			}
		}
	}
	slices.Sort(xs)
	best, mid := -1.0, 0.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > best {
			best, mid = w, (xs[i]+xs[i+1])/2
		}
	}
	return mid
}
