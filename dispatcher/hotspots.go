package dispatcher

import (
	"context"
	"sort"
	"strings"
	"time"

	"cityhub/geo"
)

// Hot spots: where reports cluster. Each report is counted, when it is received, under its H3
// cell at two resolutions, with and without its category, as tallies like the other measures
// (days and months), so that the map of a year costs the same at a thousand or a million cases.
// These dimensions are not in Dims: the measures keep their five.
const (
	DimH3R7    = "h3r7"  // key: the res-7 cell (about 5 km², a street's quarter), hex
	DimH3R9    = "h3r9"  // key: the res-9 cell (about 0.1 km², a block), hex
	DimH3R7Cat = "h3r7c" // key: category + "/" + res-7 cell
	DimH3R9Cat = "h3r9c" // key: category + "/" + res-9 cell
)

// The resolutions of the hot-spot map: one that suits a district, one that suits a street.
const (
	HotspotCoarse = 7
	HotspotFine   = geo.DefaultResolution // 9: the router's, stored on every case
)

// CaseCell is the res-9 cell a case was reported in: the router's (Routing.Cell), or, if the
// router gave none at that resolution, the cell of the case's WGS-84 point. The cases of a cell
// are found by the router's (CaseFilter.Cells), so the two differ only for a router that gives
// another resolution, which the hub's does not.
func CaseCell(c *Case) string {
	if res, err := geo.CellResolution(c.Routing.Cell); err == nil && res == HotspotFine {
		return c.Routing.Cell
	}
	cell, err := geo.CellAt(c.Location.Point, HotspotFine)
	if err != nil {
		return ""
	}
	return cell
}

// tallyCells counts one report under its cells, on the day and at the time of tx.
func (tx *change) tallyCells(delta int64) {
	tx.tallyCellsAt(tx.here().Day, tx.c.Category, CaseCell(tx.c), delta)
}

// tallyCellsAt counts delta reports of category cat under the res-9 cell fine and its parent.
func (tx *change) tallyCellsAt(day, cat, fine string, delta int64) {
	coarse, err := geo.CellParent(fine, HotspotCoarse)
	if err != nil {
		return // no cell: a point the hub could not index is not on the map
	}
	for _, t := range [...][2]string{{DimH3R7, coarse}, {DimH3R9, fine},
		{DimH3R7Cat, cat + "/" + coarse}, {DimH3R9Cat, cat + "/" + fine}} {
		tx.tallies = append(tx.tallies, Tally{Day: day, Dim: t[0], Key: t[1], Measure: MReceived, Delta: delta})
	}
}

// HotspotQuery asks for the reports per cell of one resolution over a period, of one category
// or of all.
type HotspotQuery struct {
	Res      int    `json:"res"`
	Category string `json:"category"`
	Period   string `json:"period,omitempty"` // today, week (ISO, Monday on), month, year; or From and To
	From     string `json:"from"`
	To       string `json:"to"`
}

// HotCell is one cell of the map: its reports in the period, centre and outline ([lat, lng]).
type HotCell struct {
	Cell     string       `json:"cell"`
	Count    int64        `json:"count"`
	Center   [2]float64   `json:"center,omitempty"`
	Boundary [][2]float64 `json:"boundary"`
	// Place names the jurisdiction (street or town) the cell's centre lies in, so that a leader
	// reads 古南街道 rather than an H3 index; empty for a centre outside the district.
	Place string `json:"place,omitempty"`
}

// HotspotReport is the map's layer: the cells with reports, most first, and the largest count.
type HotspotReport struct {
	Res      int       `json:"res"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	Category string    `json:"category"`
	Max      int64     `json:"max"`
	Cells    []HotCell `json:"cells"`
}

// Hotspots is the map of reports for the command centre and leaders, from the cell tallies.
func (s *Service) Hotspots(ctx context.Context, actor Actor, q HotspotQuery) (HotspotReport, error) {
	if err := s.normaliseHotspots(&q, actor); err != nil {
		return HotspotReport{}, err
	}
	counts, err := s.cellCounts(ctx, q)
	if err != nil {
		return HotspotReport{}, err
	}
	rep := HotspotReport{Res: q.Res, From: q.From, To: q.To, Category: q.Category, Cells: []HotCell{}}
	for cell, n := range counts {
		hc, ok := hotCell(cell, n)
		if !ok {
			continue
		}
		hc.Place = s.placeOf(ctx, Point{Lat: hc.Center[0], Lng: hc.Center[1]})
		rep.Cells = append(rep.Cells, hc)
		rep.Max = max(rep.Max, n)
	}
	sort.Slice(rep.Cells, func(i, j int) bool {
		a, b := rep.Cells[i], rep.Cells[j]
		return a.Count > b.Count || a.Count == b.Count && a.Cell < b.Cell
	})
	return rep, nil
}

// cellCounts reads the received counts per cell of q's resolution (and category) in its period.
func (s *Service) cellCounts(ctx context.Context, q HotspotQuery) (map[string]int64, error) {
	tq := TallyQuery{Dim: DimH3R9, From: q.From, To: q.To}
	if q.Res == HotspotCoarse {
		tq.Dim = DimH3R7
	}
	if q.Category != "" {
		tq.Dim += "c"
		tq.Prefix = q.Category + "/"
	}
	rows, err := s.store.Tallies(ctx, tq)
	if err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range rows {
		if r.Measure == MReceived && r.Count > 0 {
			out[strings.TrimPrefix(r.Key, tq.Prefix)] += r.Count
		}
	}
	return out, nil
}

// hotCell is a cell with its shape; false for a key that is not a cell.
func hotCell(cell string, n int64) (HotCell, bool) {
	center, boundary, err := geo.CellShape(cell)
	if err != nil {
		return HotCell{}, false
	}
	hc := HotCell{Cell: cell, Count: n, Center: [2]float64{round6(center.Lat), round6(center.Lng)}}
	hc.Boundary = make([][2]float64, len(boundary))
	for i, p := range boundary {
		hc.Boundary[i] = [2]float64{round6(p.Lat), round6(p.Lng)}
	}
	return hc, true
}

// placeOf is the name of the jurisdiction a point lies in, as the router finds it (the same for
// every category, so any category of the catalogue asks), or "" outside the district.
func (s *Service) placeOf(ctx context.Context, p Point) string {
	cats := s.Reference().Catalogue.Categories()
	if len(cats) == 0 {
		return ""
	}
	r, err := s.router.Route(ctx, p, cats[0].Code)
	if err != nil {
		return ""
	}
	return r.JurisdictionName
}

// round6 keeps six decimals (about 0.1 m): the answer stays small and a vertex stays exact enough.
func round6(x float64) float64 {
	const k = 1e6
	if x < 0 {
		return -float64(int64(-x*k+0.5)) / k
	}
	return float64(int64(x*k+0.5)) / k
}

func (s *Service) normaliseHotspots(q *HotspotQuery, actor Actor) error {
	if !actor.InCentre() {
		return Errorf(EForbidden, "热点地图仅供指挥中心和领导查看 (the hot-spot map is for the command centre and leaders)")
	}
	if q.Res == 0 {
		q.Res = HotspotCoarse
	}
	if q.Res != HotspotCoarse && q.Res != HotspotFine {
		return FieldError("res", "res 须为 7 或 9 (res must be 7 or 9)")
	}
	if q.Category != "" {
		if err := s.knownCategory(q.Category); err != nil {
			return err
		}
	}
	if q.Period == "" && q.From == "" && q.To == "" {
		q.Period = "today" // a map asked for no days shows today's
	}
	return s.periodRange(q.Period, &q.From, &q.To)
}

// CellCasesQuery asks for the cases reported in a cell (res 7 or 9) over a period, newest first.
type CellCasesQuery struct {
	Cell     string
	Category string
	Period   string
	From, To string
	Offset   int
	Limit    int // 0: 50; at most 100
}

// CellCases is one page of the cases behind a hot-spot cell, as the actor may see them.
type CellCases struct {
	Total int       `json:"total"`
	Cases []CaseRow `json:"cases"`
}

// HotspotCases lists the cases reported in a cell in the period: those whose res-9 cell is the
// cell or one of its children (a res-7 cell has 49). Exact for the cases as stored, so it agrees
// with the map's count of the cell unless a case was re-categorised since it was counted.
func (s *Service) HotspotCases(ctx context.Context, actor Actor, q CellCasesQuery) (CellCases, error) {
	hq := HotspotQuery{Category: q.Category, Period: q.Period, From: q.From, To: q.To, Res: HotspotFine}
	if err := s.normaliseHotspots(&hq, actor); err != nil {
		return CellCases{}, err
	}
	f, err := s.cellFilter(q, hq)
	if err != nil {
		return CellCases{}, err
	}
	page, err := s.Cases(ctx, actor, f)
	if err != nil {
		return CellCases{}, err
	}
	out := CellCases{Total: page.Total, Cases: make([]CaseRow, len(page.Cases))}
	for i, c := range page.Cases {
		out.Cases[i] = RowOf(actor, c)
	}
	return out, nil
}

// cellFilter is the case filter of a cell's cases over the days of hq.
func (s *Service) cellFilter(q CellCasesQuery, hq HotspotQuery) (CaseFilter, error) {
	cells, err := fineCells(q.Cell)
	if err != nil {
		return CaseFilter{}, err
	}
	loc := s.Calendar().Location()
	from, _ := time.ParseInLocation("2006-01-02", hq.From, loc)
	to, _ := time.ParseInLocation("2006-01-02", hq.To, loc)
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Offset < 0 {
		return CaseFilter{}, FieldError("offset", "offset 不能为负数 (offset must not be negative)")
	}
	return CaseFilter{Cells: cells, Category: hq.Category, CreatedFrom: from, CreatedTo: to.AddDate(0, 0, 1),
		Newest: true, Offset: q.Offset, Limit: min(q.Limit, 100)}, nil
}

// fineCells are the res-9 cells of a res-7 or res-9 cell.
func fineCells(cell string) ([]string, error) {
	res, err := geo.CellResolution(cell)
	if err != nil || res != HotspotCoarse && res != HotspotFine {
		return nil, FieldError("cell", "%q 不是 7 级或 9 级 H3 单元 (not an H3 cell of resolution 7 or 9)", cell)
	}
	if res == HotspotFine {
		return []string{cell}, nil
	}
	return geo.CellChildren(cell, HotspotFine)
}
