package geo

import (
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// qijiangGeoJSON is the demo district's jurisdictions, read from the reference-data folder as a
// file: geo imports nothing of the project, not even in its tests.
const qijiangGeoJSON = "../refdata/qijiang/jurisdictions.geojson"

// The Qijiang index is built once per test binary.
var fixture struct {
	once sync.Once
	ix   *Index
	err  error
}

func qijiangIndex(tb testing.TB) *Index {
	tb.Helper()
	fixture.once.Do(func() {
		var js []Jurisdiction
		if js, fixture.err = loadQijiang(); fixture.err == nil {
			fixture.ix, fixture.err = NewIndex(js, DefaultResolution)
		}
	})
	if fixture.err != nil {
		tb.Fatalf("qijiang fixture: %v", fixture.err)
	}
	return fixture.ix
}

func loadQijiang() ([]Jurisdiction, error) {
	data, err := os.ReadFile(qijiangGeoJSON)
	if err != nil {
		return nil, err
	}
	return LoadJurisdictions(data)
}

// qijiangJurisdictions parses the Qijiang polygons afresh (tests of the loader and the index
// build want their own copy, not the shared index's).
func qijiangJurisdictions(tb testing.TB) []Jurisdiction {
	tb.Helper()
	js, err := loadQijiang()
	if err != nil {
		tb.Fatal(err)
	}
	return js
}

// bruteForce is the reference answer: the first jurisdiction, in input order, whose shape
// contains p according to orb/planar. It uses nothing of the index but the shapes' bounds, which
// only skip shapes orb would reject anyway (it checks each ring's bound first) and save time.
func bruteForce(js []Jurisdiction, p Point) (string, bool) {
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
func randomPoints(b orb.Bound, n int, seed uint64) []Point {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]Point, n)
	for i := range out {
		out[i] = Point{
			Lat: b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
			Lng: b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
		}
	}
	return out
}

// distanceM is the great-circle distance in metres (haversine).
func distanceM(a, b Point) float64 {
	const r = 6371008.8
	la1, la2 := a.Lat*math.Pi/180, b.Lat*math.Pi/180
	dLat, dLng := la2-la1, (b.Lng-a.Lng)*math.Pi/180
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(la1)*math.Cos(la2)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}
