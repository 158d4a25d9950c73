package geo

import (
	"math"
)

// Constants of the published GCJ-02 and BD-09 formulas. GCJ-02 perturbs WGS-84 with a smooth
// offset computed on the Krasovsky 1940 ellipsoid; BD-09 applies a further small rotation and
// shift to GCJ-02.
const (
	krasovskyA  = 6378245.0                // semi-major axis, metres
	krasovskyEE = 0.00669342162296594323   // first eccentricity squared
	bdXPi       = math.Pi * 3000.0 / 180.0 // BD-09 angular constant
)

// China's bounding box as used by the common open implementations: outside it GCJ-02 is taken to
// equal WGS-84. It is a rough box (it includes parts of neighbouring countries) and is kept as is
// so that our conversions match what the map SDKs and other tools produce.
const (
	chinaMinLng = 72.004
	chinaMaxLng = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271
)

// outOfChina reports whether GCJ-02 leaves the point unchanged.
func outOfChina(p Point) bool {
	return p.Lng < chinaMinLng || p.Lng > chinaMaxLng || p.Lat < chinaMinLat || p.Lat > chinaMaxLat
}

// WGS84ToGCJ02 converts a WGS-84 point to GCJ-02 with the published forward formula.
func WGS84ToGCJ02(p Point) Point {
	if outOfChina(p) {
		return p
	}
	dLat, dLng := gcjOffset(p)
	return Point{Lat: p.Lat + dLat, Lng: p.Lng + dLng}
}

// gcjOffset is the GCJ-02 offset in degrees (latitude, longitude) at a WGS-84 point.
func gcjOffset(p Point) (dLat, dLng float64) {
	x, y := p.Lng-105.0, p.Lat-35.0
	dLat, dLng = offsetLat(x, y), offsetLng(x, y)
	rad := p.Lat / 180.0 * math.Pi
	magic := 1 - krasovskyEE*math.Sin(rad)*math.Sin(rad)
	sqrtMagic := math.Sqrt(magic)
	// Metres to degrees on the ellipsoid: meridian radius for latitude, parallel radius for
	// longitude.
	dLat = dLat * 180.0 / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLng = dLng * 180.0 / (krasovskyA / sqrtMagic * math.Cos(rad) * math.Pi)
	return dLat, dLng
}

// offsetLat is the latitude term of the GCJ-02 offset, in metres, at (x, y) = (lng-105, lat-35).
func offsetLat(x, y float64) float64 {
	r := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	r += (160.0*math.Sin(y/12.0*math.Pi) + 320*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0
	return r
}

// offsetLng is the longitude term of the GCJ-02 offset, in metres, at (x, y) = (lng-105, lat-35).
func offsetLng(x, y float64) float64 {
	r := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*math.Sqrt(math.Abs(x))
	r += (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0
	r += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	r += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0
	return r
}

// Inverse iteration limits: 1e-10 degree is about 0.01 mm; the offset field is so smooth that
// the fixed-point iteration gains several digits per step and stops after 3 or 4 steps.
const (
	inverseTolerance = 1e-10
	inverseMaxSteps  = 30
)

// GCJ02ToWGS84 inverts WGS84ToGCJ02 by fixed-point iteration: guess a WGS-84 point, push it
// forward, and correct the guess by the miss. The result is within a millimetre of the true
// inverse (the one-step "subtract the offset" shortcut many tools use is off by up to a few
// metres).
func GCJ02ToWGS84(g Point) Point {
	if outOfChina(g) {
		return g
	}
	w := g
	for i := 0; i < inverseMaxSteps; i++ {
		f := WGS84ToGCJ02(w)
		eLat, eLng := f.Lat-g.Lat, f.Lng-g.Lng
		w.Lat -= eLat
		w.Lng -= eLng
		if math.Abs(eLat) < inverseTolerance && math.Abs(eLng) < inverseTolerance {
			break
		}
	}
	return w
}

// BD09ToGCJ02 converts a Baidu BD-09 point to GCJ-02 with the published inverse formula (good to
// a few centimetres).
func BD09ToGCJ02(b Point) Point {
	x, y := b.Lng-0.0065, b.Lat-0.006
	z := math.Sqrt(x*x+y*y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	return Point{Lat: z * math.Sin(theta), Lng: z * math.Cos(theta)}
}

// GCJ02ToBD09 converts a GCJ-02 point to Baidu BD-09.
func GCJ02ToBD09(g Point) Point {
	x, y := g.Lng, g.Lat
	z := math.Sqrt(x*x+y*y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return Point{Lat: z*math.Sin(theta) + 0.006, Lng: z*math.Cos(theta) + 0.0065}
}

// ToWGS84 converts a point given in datum d to WGS-84. An unknown datum (including an empty one)
// is a *DatumError; a point that is not a place on Earth is CheckPoint's *PointError.
func ToWGS84(p Point, d Datum) (Point, error) {
	if err := CheckPoint(p); err != nil {
		return Point{}, err
	}
	switch d {
	case WGS84:
		return p, nil
	case GCJ02:
		return GCJ02ToWGS84(p), nil
	case BD09:
		return GCJ02ToWGS84(BD09ToGCJ02(p)), nil
	}
	return Point{}, &DatumError{Datum: d}
}
