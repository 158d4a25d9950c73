package geo

import (
	"context"
	"sync"
	"testing"

	"github.com/uber/h3-go/v4"

	"cityhub/dispatcher"
)

// benchPoints is a fixed set of random WGS-84 points inside the district (inside some
// jurisdiction), shared by the benchmarks so that their figures compare.
var benchPoints struct {
	once sync.Once
	pts  []dispatcher.Point
}

func benchSetup(b *testing.B) (*Router, []dispatcher.Point) {
	_, r := qijiang(b)
	benchPoints.once.Do(func() {
		js := r.Jurisdictions()
		for _, p := range randomPoints(districtBound(js), 20000, 42) {
			if _, in := bruteForce(js, p); in && len(benchPoints.pts) < 4096 {
				benchPoints.pts = append(benchPoints.pts, p)
			}
		}
	})
	pts := benchPoints.pts
	b.ReportAllocs()
	b.ResetTimer()
	return r, pts
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
	r, pts := benchSetup(b)
	ix := r.Index()
	for i := 0; b.Loop(); i++ {
		if _, ok := ix.Locate(pts[i%len(pts)]); !ok {
			b.Fatal("point outside")
		}
	}
}

func BenchmarkRoute(b *testing.B) {
	r, pts := benchSetup(b)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := r.Route(ctx, pts[i%len(pts)], "0590"); err != nil {
			b.Fatal(err)
		}
	}
}
