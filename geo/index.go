package geo

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/uber/h3-go/v4"
)

// DefaultResolution is the H3 resolution the router uses: cells of about 0.1 km² (edges of about
// 175 m), small enough that most of the district is interior cells, large enough that the index
// of a district stays at a few megabytes.
const DefaultResolution = 9

// maxIndexCells bounds the index so that a huge or mistaken polygon set fails fast instead of
// eating the machine (a district needs tens of thousands of cells at resolution 9).
const maxIndexCells = 3_000_000

// Hit is where a point fell: its jurisdiction, its H3 cell, and whether an exact point-in-polygon
// test decided (the cell is near a border) rather than the cell map alone.
type Hit struct {
	Jurisdiction *Jurisdiction
	Cell         h3.Cell
	Exact        bool
	Position     int // of Jurisdiction in the index's list (Jurisdictions), for tables kept alongside
}

// Index locates points in jurisdictions. Every cell over the jurisdictions' bounding box is
// classified once:
//
//   - interior: the cell's safety box lies in one jurisdiction, away from every edge; a lookup
//     answers from the map;
//   - outside: the safety box lies in no jurisdiction, away from every edge;
//   - border: anything else; the cell keeps the few polygon edges near it (clip.go) and a lookup
//     runs the exact ray test on them.
//
// The safety box is the bounding box of the cell's boundary vertices, widened by a margin and
// rounded outward to float32. H3 assigns points to cells with great-circle edges on its own
// projection while polygons are planar in degrees, so the two shapes differ slightly; instead of
// trusting a margin to cover that, Locate checks that the point is inside its cell's safety box,
// and falls back to the full exact test if not. The index therefore answers exactly what
// planar.MultiPolygonContains over all jurisdictions (first match in input order) answers.
type Index struct {
	res       int
	js        []Jurisdiction
	bound     orb.Bound // union of the jurisdictions' bounds
	cells     map[h3.Cell]cellEntry
	border    []borderCell
	stats     IndexStats
	fallbacks atomic.Int64
}

// cellEntry is one cell of the map: its safety box and what it holds.
type cellEntry struct {
	box [4]float32 // min lng, min lat, max lng, max lat
	ref int32      // >= 0: interior of that jurisdiction; refOutside; <= refBorder0: border cell
}

const (
	refOutside = -1
	refBorder0 = -2 // border cell k is stored as refBorder0 - k
)

// borderCell is what a border cell needs for the exact test: the polygons that reach its box,
// in jurisdiction order.
type borderCell struct {
	polys []clipPoly
}

// IndexStats describes an index: how many cells of each kind, the clipped edges kept for border
// cells, an estimate of its memory and how often a lookup fell back to the full exact test.
type IndexStats struct {
	Resolution  int
	Cells       int
	Interior    int
	Border      int
	Outside     int
	BorderEdges int
	Bytes       int64 // approximate heap held by the index, polygons excluded
	Fallbacks   int64
}

// NewIndex builds the index of js at H3 resolution res (0-15). The jurisdictions are copied; Hit
// points into the copy.
func NewIndex(js []Jurisdiction, res int) (*Index, error) {
	if res < 0 || res > h3.MaxResolution {
		return nil, fmt.Errorf("geo index: resolution %d out of range 0-%d", res, h3.MaxResolution)
	}
	ix := &Index{res: res, js: make([]Jurisdiction, len(js))}
	if err := ix.copyJurisdictions(js); err != nil {
		return nil, err
	}
	cells, err := ix.enumerate()
	if err != nil {
		return nil, err
	}
	if err := ix.classifyAll(cells); err != nil {
		return nil, err
	}
	ix.stats.Bytes = ix.footprint()
	return ix, nil
}

// copyJurisdictions copies js, checks the shapes, recomputes each bound and the union bound.
func (ix *Index) copyJurisdictions(js []Jurisdiction) error {
	if len(js) == 0 {
		return errors.New("geo index: no jurisdictions")
	}
	for i, j := range js {
		if len(j.Shape) == 0 {
			return fmt.Errorf("geo index: jurisdiction %q has no shape", j.Code)
		}
		if err := checkShape(j.Shape); err != nil {
			return fmt.Errorf("geo index: jurisdiction %q: %v", j.Code, err)
		}
		j.Bound = j.Shape.Bound()
		ix.js[i] = j
		if i == 0 {
			ix.bound = j.Bound
		} else {
			ix.bound = ix.bound.Union(j.Bound)
		}
	}
	return nil
}

// Resolution is the H3 resolution of the index.
func (ix *Index) Resolution() int { return ix.res }

// Jurisdictions returns the index's jurisdictions (shared, do not modify).
func (ix *Index) Jurisdictions() []Jurisdiction { return ix.js }

// Stats describes the index.
func (ix *Index) Stats() IndexStats {
	s := ix.stats
	s.Fallbacks = ix.fallbacks.Load()
	return s
}

// Locate finds the jurisdiction of a WGS-84 point. ok is false when the point is in none (or is
// not a valid latitude/longitude); Hit.Cell is then still set for a valid point.
func (ix *Index) Locate(p Point) (Hit, bool) {
	if CheckPoint(p) != nil {
		return Hit{}, false
	}
	cell, err := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, ix.res)
	if err != nil {
		return ix.scan(p, 0)
	}
	q := orb.Point{p.Lng, p.Lat}
	if !ix.bound.Contains(q) {
		// Beyond every polygon's bound orb's answer is "outside" for all of them.
		return Hit{Cell: cell}, false
	}
	e, ok := ix.cells[cell]
	if !ok || !e.holds(q) {
		return ix.scan(p, cell)
	}
	switch {
	case e.ref >= 0:
		return Hit{Jurisdiction: &ix.js[e.ref], Cell: cell, Position: int(e.ref)}, true
	case e.ref == refOutside:
		return Hit{Cell: cell}, false
	}
	return ix.locateBorder(&ix.border[refBorder0-e.ref], q, cell)
}

// holds reports whether q is in the entry's safety box.
func (e *cellEntry) holds(q orb.Point) bool {
	return float64(e.box[0]) <= q[0] && q[0] <= float64(e.box[2]) &&
		float64(e.box[1]) <= q[1] && q[1] <= float64(e.box[3])
}

// locateBorder runs the exact test of a border cell.
func (ix *Index) locateBorder(bc *borderCell, q orb.Point, cell h3.Cell) (Hit, bool) {
	for i := range bc.polys {
		if bc.polys[i].contains(q) {
			k := bc.polys[i].jur
			return Hit{Jurisdiction: &ix.js[k], Cell: cell, Exact: true, Position: k}, true
		}
	}
	return Hit{Cell: cell, Exact: true}, false
}

// scan is the full exact test over every jurisdiction, for the rare point that is not where the
// cell map expects it.
func (ix *Index) scan(p Point, cell h3.Cell) (Hit, bool) {
	ix.fallbacks.Add(1)
	q := orb.Point{p.Lng, p.Lat}
	for i := range ix.js {
		if ix.js[i].Bound.Contains(q) && planar.MultiPolygonContains(ix.js[i].Shape, q) {
			return Hit{Jurisdiction: &ix.js[i], Cell: cell, Exact: true, Position: i}, true
		}
	}
	return Hit{Cell: cell, Exact: true}, false
}

// footprint estimates the heap the index holds besides the polygons: the cell map (a Swiss-table
// slot is key plus value, plus a control byte, at up to 7/8 load) and the border cells.
func (ix *Index) footprint() int64 {
	const slot = 8 + 24 + 1
	n := int64(float64(len(ix.cells))*8/7) * slot
	for _, bc := range ix.border {
		n += 24 + int64(len(bc.polys))*(8+24)
		for _, cp := range bc.polys {
			for _, r := range cp.rings {
				n += 32 + 1 + 24 + 24 + int64(len(r.toggles))*8 + int64(len(r.edges))*40
			}
		}
	}
	return n
}

// metresPerDegree is the length of a degree of latitude, near enough for margins and estimates.
const metresPerDegree = 111_320.0

// degreesLng converts metres east-west to degrees of longitude at latitude lat.
func degreesLng(m, lat float64) float64 {
	return m / (metresPerDegree * math.Max(math.Cos(lat*math.Pi/180), 0.01))
}
