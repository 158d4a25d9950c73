package geo

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"cityhub/dispatcher"
	"cityhub/refdata"
)

// The Qijiang fixture is built once per test binary: the router (and its index) and the reference.
var fixture struct {
	once   sync.Once
	ref    *dispatcher.Reference
	router *Router
	err    error
}

func qijiang(tb testing.TB) (*dispatcher.Reference, *Router) {
	tb.Helper()
	fixture.once.Do(func() {
		fixture.ref, fixture.err = refdata.Qijiang()
		if fixture.err == nil {
			fixture.router, fixture.err = NewRouter(fixture.ref)
		}
	})
	if fixture.err != nil {
		tb.Fatalf("qijiang fixture: %v", fixture.err)
	}
	return fixture.ref, fixture.router
}

// qijiangJurisdictions parses the Qijiang polygons afresh (tests of the loader and the index
// build want their own copy, not the shared router's).
func qijiangJurisdictions(tb testing.TB) []Jurisdiction {
	tb.Helper()
	ref, _ := qijiang(tb)
	js, err := LoadJurisdictions(ref.Jurisdictions)
	if err != nil {
		tb.Fatal(err)
	}
	return js
}

// bruteForce is the reference answer: the first jurisdiction, in input order, whose shape
// contains p according to orb/planar. It uses nothing of the index but the shapes' bounds, which
// only skip shapes orb would reject anyway (it checks each ring's bound first) and save time.
func bruteForce(js []Jurisdiction, p dispatcher.Point) (string, bool) {
	q := orb.Point{p.Lng, p.Lat}
	for _, j := range js {
		if j.Bound.Contains(q) && planar.MultiPolygonContains(j.Shape, q) {
			return j.Code, true
		}
	}
	return "", false
}

// districtBound is the union bound of the jurisdictions.
func districtBound(js []Jurisdiction) orb.Bound {
	b := js[0].Shape.Bound()
	for _, j := range js[1:] {
		b = b.Union(j.Shape.Bound())
	}
	return b
}

// randomPoints draws n points uniformly in b with a fixed seed.
func randomPoints(b orb.Bound, n int, seed uint64) []dispatcher.Point {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]dispatcher.Point, n)
	for i := range out {
		out[i] = dispatcher.Point{
			Lat: b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
			Lng: b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
		}
	}
	return out
}

// distanceM is the great-circle distance in metres (haversine).
func distanceM(a, b dispatcher.Point) float64 {
	const r = 6371008.8
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat, dLng := la2-la1, (b.Lng-a.Lng)*math.Pi/180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
