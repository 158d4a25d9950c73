package geo

import (
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/uber/h3-go/v4"
)

// boxMargin widens a cell's boundary box on each side, as a fraction of the box's size. At
// resolution 9 the difference between H3's cell edges and straight lines in degrees is under a
// millimetre, so 5% (about 15 m) is generous; Locate checks the box anyway, so the margin only
// decides how rarely a lookup falls back to the full test.
const boxMargin = 0.05

// enumerate lists the cells that cover the jurisdictions' bounding box, widened by a few cell
// widths so that every cell whose box reaches the bounding box is included.
func (ix *Index) enumerate() ([]h3.Cell, error) {
	edgeKm, err := h3.HexagonEdgeLengthAvgKm(ix.res)
	if err != nil {
		return nil, fmt.Errorf("geo index: %v", err)
	}
	b := ix.bound
	midLat := (b.Min[1] + b.Max[1]) / 2
	padLat := 3 * edgeKm * 1000 / metresPerDegree
	padLng := degreesLng(3*edgeKm*1000, math.Max(math.Abs(b.Min[1]), math.Abs(b.Max[1])))
	area := (b.Max[0] - b.Min[0] + 2*padLng) * (b.Max[1] - b.Min[1] + 2*padLat) *
		math.Pow(metresPerDegree/1000, 2) * math.Cos(midLat*math.Pi/180)
	cellKm2, err := h3.HexagonAreaAvgKm2(ix.res)
	if err != nil {
		return nil, fmt.Errorf("geo index: %v", err)
	}
	if n := area / cellKm2; n > maxIndexCells || b.Max[0]-b.Min[0]+2*padLng >= 180 {
		return nil, fmt.Errorf("geo index: the jurisdictions span about %.0f km², %.0f cells at resolution %d; the limit is %d",
			area, n, ix.res, maxIndexCells)
	}
	rect := orb.Bound{
		Min: orb.Point{math.Max(b.Min[0]-padLng, -180), math.Max(b.Min[1]-padLat, -90)},
		Max: orb.Point{math.Min(b.Max[0]+padLng, 180), math.Min(b.Max[1]+padLat, 90)},
	}
	cells, err := h3.PolygonToCells(h3.GeoPolygon{GeoLoop: rectLoop(rect)}, ix.res)
	if err != nil {
		return nil, fmt.Errorf("geo index: listing cells: %v", err)
	}
	return cells, nil
}

// rectLoop is the outline of a lat/lng rectangle with extra vertices every 0.05°: H3 joins
// vertices by great circles, which bow away from the parallels of a wide rectangle.
func rectLoop(r orb.Bound) h3.GeoLoop {
	corners := []orb.Point{r.Min, {r.Max[0], r.Min[1]}, r.Max, {r.Min[0], r.Max[1]}}
	var loop h3.GeoLoop
	for i, a := range corners {
		c := corners[(i+1)%len(corners)]
		n := int(math.Max(math.Abs(c[0]-a[0]), math.Abs(c[1]-a[1]))/0.05) + 1
		for k := 0; k < n; k++ {
			t := float64(k) / float64(n)
			loop = append(loop, h3.LatLng{Lat: a[1] + t*(c[1]-a[1]), Lng: a[0] + t*(c[0]-a[0])})
		}
	}
	return loop
}

// classifyAll puts every cell whose safety box reaches the jurisdictions into the map.
func (ix *Index) classifyAll(cells []h3.Cell) error {
	edgeKm, _ := h3.HexagonEdgeLengthAvgKm(ix.res)
	midLat := (ix.bound.Min[1] + ix.bound.Max[1]) / 2
	cl := newClipper(degreesLng(2*edgeKm*1000, midLat))
	ix.cells = make(map[h3.Cell]cellEntry, len(cells))
	ix.stats.Resolution = ix.res
	for _, c := range cells {
		box, err := safetyBox(c)
		if err != nil {
			return fmt.Errorf("geo index: cell %s: %v", c, err)
		}
		if !toBound(box).Intersects(ix.bound) {
			continue // every point of the box is beyond every polygon: Locate's bound check answers
		}
		ix.cells[c] = cellEntry{box: box, ref: ix.classify(cl, toBound(box))}
	}
	ix.stats.Cells = len(ix.cells)
	return nil
}

// classify decides what a cell holds and, for a border cell, stores its clipped polygons.
func (ix *Index) classify(cl *clipper, box orb.Bound) int32 {
	polys := ix.clipAll(cl, box)
	switch {
	case len(polys) == 0:
		ix.stats.Outside++
		return refOutside
	case polys[0].whole(box):
		ix.stats.Interior++
		return int32(polys[0].jur)
	}
	// Polygons after the first one that covers the whole box can never be reached.
	for i, cp := range polys {
		if cp.whole(box) {
			polys = polys[:i+1]
			break
		}
	}
	ix.stats.Border++
	for _, cp := range polys {
		for _, r := range cp.rings {
			ix.stats.BorderEdges += len(r.edges)
		}
	}
	ix.border = append(ix.border, borderCell{polys: polys})
	return refBorder0 - int32(len(ix.border)-1)
}

// clipAll clips every polygon that can contain a point of box, in jurisdiction order. Polygons
// that contain no point of the box are left out.
func (ix *Index) clipAll(cl *clipper, box orb.Bound) []clipPoly {
	var out []clipPoly
	for ji := range ix.js {
		if !ix.js[ji].Bound.Intersects(box) {
			continue
		}
		for pi := range ix.js[ji].Shape {
			if cp, ok := clipPolygon(cl, ix.js[ji].Shape[pi], ji, box); ok {
				out = append(out, cp)
			}
		}
	}
	return out
}

// clipPolygon clips one polygon to box; ok is false when no point of the box is in it.
func clipPolygon(cl *clipper, poly orb.Polygon, jur int, box orb.Bound) (clipPoly, bool) {
	if !cl.bound(&poly[0]).Intersects(box) {
		return clipPoly{}, false
	}
	outer := cl.clip(&poly[0], box)
	if v, ok := outer.constant(box); ok && !v {
		return clipPoly{}, false
	}
	cp := clipPoly{jur: jur, rings: []clipRing{outer}}
	for hi := 1; hi < len(poly); hi++ {
		if !cl.bound(&poly[hi]).Intersects(box) {
			continue // a hole away from the box removes nothing from it
		}
		hole := cl.clip(&poly[hi], box)
		v, ok := hole.constant(box)
		switch {
		case ok && v:
			return clipPoly{}, false // the hole covers the whole box
		case ok:
			continue
		}
		cp.rings = append(cp.rings, hole)
	}
	return cp, true
}

// whole reports whether the polygon contains every point of the box it was clipped to.
func (cp *clipPoly) whole(box orb.Bound) bool {
	if len(cp.rings) != 1 {
		return false
	}
	v, ok := cp.rings[0].constant(box)
	return ok && v
}

// safetyBox is the bounding box of the cell's boundary, widened by boxMargin and rounded outward
// to float32.
func safetyBox(c h3.Cell) ([4]float32, error) {
	bnd, err := h3.CellToBoundary(c)
	if err != nil {
		return [4]float32{}, err
	}
	b := orb.Bound{Min: orb.Point{math.Inf(1), math.Inf(1)}, Max: orb.Point{math.Inf(-1), math.Inf(-1)}}
	for _, v := range bnd {
		b = b.Extend(orb.Point{v.Lng, v.Lat})
	}
	dx, dy := (b.Max[0]-b.Min[0])*boxMargin, (b.Max[1]-b.Min[1])*boxMargin
	return [4]float32{
		down32(b.Min[0] - dx), down32(b.Min[1] - dy),
		up32(b.Max[0] + dx), up32(b.Max[1] + dy),
	}, nil
}

// down32 and up32 round to a float32 at or below (above) v, so that the stored box contains the
// computed one.
func down32(v float64) float32 {
	f := float32(v)
	if float64(f) > v {
		f = math.Nextafter32(f, float32(math.Inf(-1)))
	}
	return f
}

func up32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// toBound widens a stored box back to float64 (exactly).
func toBound(b [4]float32) orb.Bound {
	return orb.Bound{
		Min: orb.Point{float64(b[0]), float64(b[1])},
		Max: orb.Point{float64(b[2]), float64(b[3])},
	}
}
