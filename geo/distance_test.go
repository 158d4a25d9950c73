package geo

import "testing"

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		lat1, lng1, lat2, lng2, want float64
	}{
		{28.95, 106.60, 28.95, 106.60, 0},
		{28.95, 106.60, 28.953, 106.60, 333.6},      // 0.003° of latitude
		{0, 0, 0, 1, 111195.1},                      // one degree on the equator
		{28.95, 106.60, 28.9587, 106.9265, 31782.0}, // 古南 to 万盛
		{90, 0, -90, 0, 20015114.4},                 // pole to pole: half a great circle
	} {
		got := Distance(Point{Lat: tc.lat1, Lng: tc.lng1}, Point{Lat: tc.lat2, Lng: tc.lng2})
		if got < tc.want-0.1 || got > tc.want+0.1 {
			t.Errorf("Distance(%v, %v, %v, %v) = %.1f, want %.1f", tc.lat1, tc.lng1, tc.lat2, tc.lng2, got, tc.want)
		}
	}
}
