package geo

import (
	"fmt"
	"math"
)

// Point is a latitude/longitude pair in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// Datum names a coordinate reference: WGS-84 (GPS, Open311), GCJ-02 (WeChat, AMap) or BD-09 (Baidu).
type Datum string

// The datums the hub converts from.
const (
	WGS84 Datum = "wgs84"
	GCJ02 Datum = "gcj02"
	BD09  Datum = "bd09"
)

// Axis names a coordinate of a Point.
type Axis string

// The two axes, named as in Point's JSON.
const (
	AxisLat Axis = "lat"
	AxisLng Axis = "lng"
)

// PointError says which coordinate of a point cannot be a place on Earth. Each interface turns it
// into its own error, under its own name for the field (Open311 calls longitude "long").
type PointError struct {
	Axis  Axis
	Value float64
}

func (e *PointError) Error() string {
	if e.Axis == AxisLat {
		return fmt.Sprintf("latitude must be a number from -90 to 90, got %v", e.Value)
	}
	return fmt.Sprintf("longitude must be a number from -180 to 180, got %v", e.Value)
}

// CheckPoint is the one test of a point every interface applies: both coordinates finite, the
// latitude within ±90 and the longitude within ±180. The error is a *PointError.
func CheckPoint(p Point) error {
	if !finiteWithin(p.Lat, 90) {
		return &PointError{Axis: AxisLat, Value: p.Lat}
	}
	if !finiteWithin(p.Lng, 180) {
		return &PointError{Axis: AxisLng, Value: p.Lng}
	}
	return nil
}

func finiteWithin(v, limit float64) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && v >= -limit && v <= limit
}

// DatumError is the error of ToWGS84 for a datum it does not know.
type DatumError struct{ Datum Datum }

func (e *DatumError) Error() string {
	return fmt.Sprintf("unknown datum %q: want wgs84, gcj02 or bd09", string(e.Datum))
}
