package geo

import (
	"fmt"
	"math"

	"github.com/uber/h3-go/v4"
)

// Cells as the hot-spot map uses them: H3 indexes written as hex strings (the form the router
// stores on a case and the tallies key on), so that the domain never handles h3 types.

// CellAt is the hex index of the cell at resolution res that holds p.
func CellAt(p Point, res int) (string, error) {
	c, err := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, res)
	if err != nil {
		return "", fmt.Errorf("geo: cell of %v at res %d: %w", p, res, err)
	}
	return c.String(), nil
}

// parseCell reads a hex index, refusing anything that is not a valid cell.
func parseCell(hex string) (h3.Cell, error) {
	c := h3.CellFromString(hex)
	if !c.IsValid() || c.String() != hex {
		return 0, fmt.Errorf("geo: %q is not an H3 cell", hex)
	}
	return c, nil
}

// CellResolution is the resolution of the cell hex, or an error if it is not a cell.
func CellResolution(hex string) (int, error) {
	c, err := parseCell(hex)
	if err != nil {
		return 0, err
	}
	return c.Resolution(), nil
}

// CellParent is the cell at the coarser resolution res that holds hex.
func CellParent(hex string, res int) (string, error) {
	c, err := parseCell(hex)
	if err != nil {
		return "", err
	}
	p, err := c.Parent(res)
	if err != nil {
		return "", fmt.Errorf("geo: parent of %s at res %d: %w", hex, res, err)
	}
	return p.String(), nil
}

// CellChildren are the cells at the finer resolution res inside hex (7 per resolution step: a
// res-7 cell has 49 res-9 children).
func CellChildren(hex string, res int) ([]string, error) {
	c, err := parseCell(hex)
	if err != nil {
		return nil, err
	}
	kids, err := c.Children(res)
	if err != nil {
		return nil, fmt.Errorf("geo: children of %s at res %d: %w", hex, res, err)
	}
	out := make([]string, len(kids))
	for i, k := range kids {
		out[i] = k.String()
	}
	return out, nil
}

// CellShape is the centre of the cell hex and its boundary, counter-clockwise, not closed.
func CellShape(hex string) (center Point, boundary []Point, err error) {
	c, err := parseCell(hex)
	if err != nil {
		return Point{}, nil, err
	}
	ll, err := c.LatLng()
	if err != nil {
		return Point{}, nil, err
	}
	b, err := c.Boundary()
	if err != nil {
		return Point{}, nil, err
	}
	boundary = make([]Point, len(b))
	for i, v := range b {
		boundary[i] = Point{Lat: v.Lat, Lng: v.Lng}
	}
	return Point{Lat: ll.Lat, Lng: ll.Lng}, boundary, nil
}

// CellsWithin lists the cells at resolution res that hold every point within radius metres of p:
// of the grid disk around p's cell (wide enough for the smallest cells of the resolution), those
// that come within radius of p (a cell is within its circumradius of its centre). A caller still
// measures the exact distance; the cells only narrow what it reads.
func CellsWithin(p Point, res int, radius float64) ([]string, error) {
	origin, err := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, res)
	if err != nil {
		return nil, fmt.Errorf("geo: cell of %v at res %d: %w", p, res, err)
	}
	disk, err := origin.GridDisk(diskSteps(res, radius))
	if err != nil {
		return nil, fmt.Errorf("geo: cells within %.0f m of %v: %w", radius, p, err)
	}
	out := make([]string, 0, len(disk))
	for _, c := range disk {
		if near, err := cellNear(c, p, radius); err != nil {
			return nil, err
		} else if near {
			out = append(out, c.String())
		}
	}
	return out, nil
}

// cellNear reports whether some point of cell c may lie within radius metres of p: whether p is
// within radius plus the cell's circumradius of its centre.
func cellNear(c h3.Cell, p Point, radius float64) (bool, error) {
	ll, err := c.LatLng()
	if err != nil {
		return false, fmt.Errorf("geo: centre of %s: %w", c, err)
	}
	boundary, err := c.Boundary()
	if err != nil {
		return false, fmt.Errorf("geo: boundary of %s: %w", c, err)
	}
	centre := Point{Lat: ll.Lat, Lng: ll.Lng}
	circum := 0.0
	for _, v := range boundary {
		circum = max(circum, Distance(centre, Point{Lat: v.Lat, Lng: v.Lng}))
	}
	return Distance(p, centre) <= radius+circum, nil
}

// diskSteps is how many rings around a cell cover radius metres from any point of it. Neighbouring
// centres are sqrt(3) edges apart; H3's cells vary in size over the globe (the smallest hexagons
// of a resolution have edges of about 0.8 of the average), and the point may sit at its cell's
// corner, hence the extra ring.
func diskSteps(res int, radius float64) int {
	edge, err := h3.HexagonEdgeLengthAvgM(res)
	if err != nil || edge <= 0 {
		return 1
	}
	return 1 + int(math.Ceil(radius/(math.Sqrt(3)*0.8*edge)))
}
