package geo

import (
	"sync"
	"testing"

	"github.com/uber/h3-go/v4"
)

// benchPoints is a fixed set of random WGS-84 points inside the district (inside some
// jurisdiction), shared by the benchmarks so that their figures compare.
var benchPoints struct {
	once sync.Once
	pts  []Point
}

func benchSetup(b *testing.B) (*Index, []Point) {
	ix := qijiangIndex(b)
	benchPoints.once.Do(func() {
		js := ix.Jurisdictions()
		for _, p := range randomPoints(districtBound(js), 20000, 42) {
			if _, in := bruteForce(js, p); in && len(benchPoints.pts) < 4096 {
				benchPoints.pts = append(benchPoints.pts, p)
			}
		}
	})
	pts := benchPoints.pts
	b.ReportAllocs()
	b.ResetTimer()
	return ix, pts
}

func BenchmarkLatLngToCell(b *testing.B) {
	_, pts := benchSetup(b)
	for i := 0; b.Loop(); i++ {
		p := pts[i%len(pts)]
		if _, err := h3.LatLngToCell(h3.LatLng{Lat: p.Lat, Lng: p.Lng}, DefaultResolution); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLocate(b *testing.B) {
	ix, pts := benchSetup(b)
	for i := 0; b.Loop(); i++ {
		if _, ok := ix.Locate(pts[i%len(pts)]); !ok {
			b.Fatal("point outside")
		}
	}
}
