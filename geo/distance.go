package geo

import "math"

// EarthRadius is the mean radius of the WGS-84 ellipsoid, in metres (IUGG R1).
const EarthRadius = 6371008.8

// Distance is the great-circle distance in metres between two points, by the haversine formula
// on a sphere of EarthRadius. Over the few kilometres it is used for (how far apart two reports
// are) it is within 0.5% of the distance on the ellipsoid.
func Distance(a, b Point) float64 {
	const rad = math.Pi / 180
	lat1, lng1, lat2, lng2 := a.Lat, a.Lng, b.Lat, b.Lng
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * EarthRadius * math.Asin(math.Sqrt(min(h, 1)))
}
