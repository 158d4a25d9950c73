package geo

import (
	"math"
	"sort"

	"github.com/paulmach/orb"
)

// The exact test of a border cell.
//
// orb/planar decides whether a point is in a ring by casting a ray from the point towards +lat
// (north) and counting the edges it crosses; a point on an edge or vertex counts as inside. For a
// point p known to lie in a small box B (the cell's safety box), every edge of the ring falls in
// one of four classes:
//
//   - its longitude span misses B's: it is never crossed;
//   - it lies wholly south of B: it is never crossed;
//   - it lies wholly north of B: it is crossed exactly when lo <= p.lng < hi, with lo, hi the
//     edge's longitude span (orb nudges a point that sits on an edge's end longitude eastward,
//     which gives this half-open rule). Each such edge therefore "toggles" the parity at lo and
//     again at hi; toggles west of B toggle every point of B, toggles east of B none, and the
//     toggles of consecutive edges at a shared vertex cancel;
//   - the rest is near B and is tested one by one, with orb's arithmetic.
//
// A clipped ring keeps the starting parity, the few toggles inside B and the near edges, and gives
// exactly the answer orb gives for every point of B, boundary cases included.

// segment is a ring edge with its ends ordered by longitude (a before b, as orb orders them) and
// the slope orb computes for it.
type segment struct {
	a, b  orb.Point
	slope float64
}

func newSegment(s, e orb.Point) segment {
	if s[0] > e[0] {
		s, e = e, s
	}
	return segment{a: s, b: e, slope: (e[1] - s[1]) / (e[0] - s[0])}
}

// crossing reports whether the northward ray from p crosses the segment, and whether p lies on
// it. It follows orb/planar's ray test step for step, so that it agrees with it bit for bit.
func (s segment) crossing(p orb.Point) (crosses, on bool) {
	if p[0] == s.a[0] || p[0] == s.b[0] {
		if p == s.a || p == s.b {
			return false, true
		}
		if p[0] == s.a[0] && s.a[0] == s.b[0] && between(p[1], s.a[1], s.b[1]) {
			return false, true // on a north-south edge
		}
		// A point on an end longitude is moved a hair east, so that a ray through a vertex
		// counts exactly one of the two edges meeting there.
		p[0] = math.Nextafter(p[0], math.Inf(1))
	}
	if p[0] < s.a[0] || p[0] > s.b[0] {
		return false, false
	}
	if p[1] > math.Max(s.a[1], s.b[1]) {
		return false, false
	}
	if p[1] < math.Min(s.a[1], s.b[1]) {
		return true, false
	}
	rs := (p[1] - s.a[1]) / (p[0] - s.a[0])
	if rs == s.slope {
		return false, true
	}
	return rs <= s.slope, false
}

// between reports whether v lies in the closed interval spanned by a and b.
func between(v, a, b float64) bool {
	return (a <= v && v <= b) || (b <= v && v <= a)
}

// clipRing is one ring reduced to a box: orb's answer for any point of the box.
type clipRing struct {
	bound   orb.Bound // the ring's own bound: orb answers "outside" for points beyond it
	base    bool      // parity from edges north of the box whose toggles lie west of it
	toggles []float64 // longitudes inside the box where the parity of northern edges flips
	edges   []segment // edges near the box
}

// contains gives orb's planar.RingContains answer for p, which must lie in the box the ring was
// clipped to.
func (r *clipRing) contains(p orb.Point) bool {
	if !r.bound.Contains(p) {
		return false
	}
	in := r.base
	for _, t := range r.toggles {
		if t <= p[0] {
			in = !in
		}
	}
	for i := range r.edges {
		c, on := r.edges[i].crossing(p)
		if on {
			return true
		}
		if c {
			in = !in
		}
	}
	return in
}

// constant reports whether the ring gives the same answer everywhere in box, and which.
func (r *clipRing) constant(box orb.Bound) (value, ok bool) {
	if len(r.toggles) > 0 || len(r.edges) > 0 {
		return false, false
	}
	if !r.bound.Intersects(box) {
		return false, true
	}
	if r.bound.Contains(box.Min) && r.bound.Contains(box.Max) {
		return r.base, true
	}
	return false, false
}

// clipPoly is one polygon of a jurisdiction reduced to a box: rings[0] is the outer ring, the
// others are holes that reach the box.
type clipPoly struct {
	jur   int
	rings []clipRing
}

// contains gives orb's planar.PolygonContains answer for a point of the box.
func (cp *clipPoly) contains(p orb.Point) bool {
	if !cp.rings[0].contains(p) {
		return false
	}
	for i := 1; i < len(cp.rings); i++ {
		if cp.rings[i].contains(p) {
			return false
		}
	}
	return true
}

// clipper cuts rings to boxes. It buckets each ring's edges into longitude columns so that a box
// only looks at the edges of the columns it spans.
type clipper struct {
	colWidth float64
	rings    map[*orb.Ring]*ringColumns
	stamp    int32
	edges    []segment // scratch, copied to an exact-size slice per ring
	toggles  []float64 // scratch
}

// ringColumns is the edge buckets of one ring.
type ringColumns struct {
	bound orb.Bound // the ring's bound, computed once
	x0    float64
	width float64
	cols  [][]int32 // edge indices per column
	segs  []segment
	lo    []float64 // south end latitude of each edge
	hi    []float64 // north end latitude of each edge
	stamp []int32   // last box that saw each edge (edges spanning several columns are seen once)
}

func newClipper(colWidth float64) *clipper {
	return &clipper{colWidth: colWidth, rings: map[*orb.Ring]*ringColumns{}}
}

// columns builds (once) the edge buckets of ring r. Ring edges are i -> i+1 plus the closing pair
// (first, last), exactly the pairs orb tests; for a closed ring the last one is a single point.
func (c *clipper) columns(r *orb.Ring) *ringColumns {
	if rc, ok := c.rings[r]; ok {
		return rc
	}
	ring := *r
	b := ring.Bound()
	n := int((b.Max[0]-b.Min[0])/c.colWidth) + 1
	rc := &ringColumns{bound: b, x0: b.Min[0], width: c.colWidth, cols: make([][]int32, n)}
	for i := range ring {
		s, e := ring[0], ring[len(ring)-1] // orb tests the closing pair first, in this order
		if i+1 < len(ring) {
			s, e = ring[i], ring[i+1]
		}
		k := int32(len(rc.segs))
		seg := newSegment(s, e)
		rc.segs = append(rc.segs, seg)
		rc.lo = append(rc.lo, math.Min(s[1], e[1]))
		rc.hi = append(rc.hi, math.Max(s[1], e[1]))
		for col := rc.col(seg.a[0]); col <= rc.col(seg.b[0]); col++ {
			rc.cols[col] = append(rc.cols[col], k)
		}
	}
	rc.stamp = make([]int32, len(rc.segs))
	c.rings[r] = rc
	return rc
}

// col is the column of longitude x, clamped to the ring's columns.
func (rc *ringColumns) col(x float64) int {
	c := int((x - rc.x0) / rc.width)
	return max(0, min(c, len(rc.cols)-1))
}

// bound is ring r's bound.
func (c *clipper) bound(r *orb.Ring) orb.Bound { return c.columns(r).bound }

// clip reduces ring r to box.
func (c *clipper) clip(r *orb.Ring, box orb.Bound) clipRing {
	rc := c.columns(r)
	c.stamp++
	c.edges, c.toggles = c.edges[:0], c.toggles[:0]
	out := clipRing{bound: rc.bound}
	for col := rc.col(box.Min[0]); col <= rc.col(box.Max[0]); col++ {
		for _, k := range rc.cols[col] {
			if rc.stamp[k] == c.stamp {
				continue
			}
			rc.stamp[k] = c.stamp
			c.classify(rc, k, box, &out)
		}
	}
	c.toggles = cancelPairs(c.toggles)
	// Exact-size copies: the index keeps tens of thousands of these.
	if len(c.edges) > 0 {
		out.edges = append([]segment(nil), c.edges...)
	}
	if len(c.toggles) > 0 {
		out.toggles = append([]float64(nil), c.toggles...)
	}
	return out
}

// classify puts edge k of a ring into one of the four classes of the comment at the top.
func (c *clipper) classify(rc *ringColumns, k int32, box orb.Bound, out *clipRing) {
	s := rc.segs[k]
	switch {
	case s.b[0] < box.Min[0] || s.a[0] > box.Max[0]:
		// misses the box's longitudes
	case rc.hi[k] < box.Min[1]:
		// south of the box
	case rc.lo[k] > box.Max[1]:
		c.toggle(s.a[0], box, out)
		c.toggle(s.b[0], box, out)
	default:
		c.edges = append(c.edges, s)
	}
}

// toggle records a parity flip at longitude t for the points of box east of or at t.
func (c *clipper) toggle(t float64, box orb.Bound, out *clipRing) {
	switch {
	case t <= box.Min[0]:
		out.base = !out.base
	case t <= box.Max[0]:
		c.toggles = append(c.toggles, t)
	}
}

// cancelPairs sorts the toggles and drops pairs at the same longitude, which flip twice.
func cancelPairs(ts []float64) []float64 {
	if len(ts) < 2 {
		return ts
	}
	sort.Float64s(ts)
	out := ts[:0]
	for i := 0; i < len(ts); {
		j := i
		for j < len(ts) && ts[j] == ts[i] {
			j++
		}
		if (j-i)%2 == 1 {
			out = append(out, ts[i])
		}
		i = j
	}
	return out
}
