package geo

import (
	"math"
	"runtime"
	"sync"
	"testing"

	"github.com/paulmach/orb"
)

// The index must say what the brute-force exact test says: the same jurisdiction, or outside
// for both. Points arrive in WGS-84 and, for the same places, in GCJ-02 through ToWGS84.

func TestRouteAgreesWithBruteForceRandom(t *testing.T) {
	ix := qijiangIndex(t)
	js := ix.Jurisdictions()
	pts := randomPoints(districtBound(js), 12000, 20260101)
	before := ix.Stats().Fallbacks
	inside, moved := checkAgreement(t, ix, js, pts)
	if inside < len(pts)/4 || inside == len(pts) {
		t.Fatalf("%d of %d random points inside: the sample does not exercise both answers", inside, len(pts))
	}
	// Not a correctness matter (a fallback is exact too) but the evidence that the safety boxes
	// cover H3's cells: no point fell outside its cell's box.
	if fb := ix.Stats().Fallbacks - before; fb != 0 {
		t.Errorf("%d lookups fell back to the full test", fb)
	}
	t.Logf("%d random points, %d inside a jurisdiction, %d outside; %d changed side in the GCJ-02 round trip",
		len(pts), inside, len(pts)-inside, moved)
}

func TestRouteAgreesWithBruteForceAtVertices(t *testing.T) {
	ix := qijiangIndex(t)
	js := ix.Jurisdictions()
	pts := vertexOffsets(js, 5)
	inside, moved := checkAgreement(t, ix, js, pts)
	t.Logf("%d points 5 m off every ring vertex, %d inside a jurisdiction; %d changed side in the GCJ-02 round trip",
		len(pts), inside, moved)
}

// checkAgreement routes every point in both datums, in parallel. It returns how many points are
// inside, and how many changed jurisdiction in the GCJ-02 round trip (allowed only within 0.5 m
// of a border).
func checkAgreement(t *testing.T, ix *Index, js []Jurisdiction, pts []Point) (inside, moved int) {
	t.Helper()
	workers := runtime.GOMAXPROCS(0)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			in, mv := 0, 0
			for i := w; i < len(pts); i += workers {
				a, b := agreeAt(t, ix, js, pts[i])
				in, mv = in+b2i(a), mv+b2i(b)
			}
			mu.Lock()
			inside, moved = inside+in, moved+mv
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	return inside, moved
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// agreeAt checks one point in WGS-84 and in GCJ-02. It reports whether the point is inside and
// whether its GCJ-02 round trip landed (legitimately) on the other side of a border.
func agreeAt(t *testing.T, ix *Index, js []Jurisdiction, p Point) (inside, moved bool) {
	want, in := bruteForce(js, p)
	if got := locatedCode(ix, p); got != want {
		t.Errorf("WGS-84 %v: located in %q, brute force says %q", p, got, want)
	}
	w, err := ToWGS84(WGS84ToGCJ02(p), GCJ02)
	if err != nil {
		t.Fatalf("ToWGS84: %v", err)
	}
	if d := distanceM(p, w); d >= 0.5 {
		t.Errorf("GCJ-02 round trip of %v lands %.3f m away", p, d)
	}
	// The round trip moves the point by micrometres; only a point that close to a border may
	// change sides.
	if got := locatedCode(ix, w); got != want {
		if !nearEdge(js, p, 0.5) {
			t.Errorf("GCJ-02 %v (WGS-84 %v): located in %q, brute force says %q", WGS84ToGCJ02(p), p, got, want)
		}
		return in, true
	}
	return in, false
}

// locatedCode is the jurisdiction Locate chose, or "" outside every jurisdiction.
func locatedCode(ix *Index, p Point) string {
	h, ok := ix.Locate(p)
	if !ok {
		return ""
	}
	return h.Jurisdiction.Code
}

// vertexOffsets returns, for every vertex of every ring, the two points m metres away on either
// side, perpendicular to the ring at the vertex (the bisector of its two edges).
func vertexOffsets(js []Jurisdiction, m float64) []Point {
	var out []Point
	for _, j := range js {
		for _, poly := range j.Shape {
			for _, ring := range poly {
				n := len(ring) - 1 // the last position repeats the first
				for i := 0; i < n; i++ {
					prev, next := ring[(i+n-1)%n], ring[(i+1)%n]
					if nx, ny, ok := vertexNormal(prev, ring[i], next); ok {
						out = append(out, offset(ring[i], nx, ny, m), offset(ring[i], nx, ny, -m))
					}
				}
			}
		}
	}
	return out
}

// vertexNormal is the unit normal (east, north, in metres) of the ring at v.
func vertexNormal(prev, v, next orb.Point) (float64, float64, bool) {
	k := math.Cos(v[1] * math.Pi / 180)
	ax, ay, aok := unit((v[0]-prev[0])*k, v[1]-prev[1])
	bx, by, bok := unit((next[0]-v[0])*k, next[1]-v[1])
	switch {
	case !aok && !bok:
		return 0, 0, false
	case !aok:
		ax, ay = bx, by
	case !bok:
		bx, by = ax, ay
	}
	tx, ty, ok := unit(ax+bx, ay+by)
	if !ok { // a spike: the ring turns back on itself, use the first edge's normal
		tx, ty = ax, ay
	}
	return -ty, tx, true
}

func unit(x, y float64) (float64, float64, bool) {
	l := math.Hypot(x, y)
	if l == 0 {
		return 0, 0, false
	}
	return x / l, y / l, true
}

// offset moves v by m metres along the unit vector (nx east, ny north).
func offset(v orb.Point, nx, ny, m float64) Point {
	return Point{
		Lat: v[1] + ny*m/metresPerDegree,
		Lng: v[0] + nx*m/(metresPerDegree*math.Cos(v[1]*math.Pi/180)),
	}
}

// nearEdge reports whether p lies within m metres of any ring edge.
func nearEdge(js []Jurisdiction, p Point, m float64) bool {
	k := math.Cos(p.Lat * math.Pi / 180)
	for _, j := range js {
		for _, poly := range j.Shape {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					if segmentDistanceM(p, ring[i], ring[i+1], k) < m {
						return true
					}
				}
			}
		}
	}
	return false
}

// segmentDistanceM is the distance from p to segment ab in a local flat projection.
func segmentDistanceM(p Point, a, b orb.Point, k float64) float64 {
	ax, ay := (a[0]-p.Lng)*k, a[1]-p.Lat
	bx, by := (b[0]-p.Lng)*k, b[1]-p.Lat
	dx, dy := bx-ax, by-ay
	t := 0.0
	if l := dx*dx + dy*dy; l > 0 {
		t = math.Max(0, math.Min(1, -(ax*dx+ay*dy)/l))
	}
	return math.Hypot(ax+t*dx, ay+t*dy) * metresPerDegree
}
