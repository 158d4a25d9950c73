package dispatcher

import (
	"context"
	"errors"

	"cityhub/geo"
)

// Point and Datum are geo's: the domain's positions are geometry's points.
type (
	Point = geo.Point
	Datum = geo.Datum
)

// The datums reports arrive in.
const (
	WGS84 = geo.WGS84
	GCJ02 = geo.GCJ02
	BD09  = geo.BD09
)

// ValidatePoint is the one check of a point (geo.CheckPoint) as a domain error: EInvalid naming
// the field "lat" or "lng". Each interface renames the field to its own parameter (Open311's
// "long").
func ValidatePoint(p Point) error {
	var pe *geo.PointError
	if err := geo.CheckPoint(p); errors.As(err, &pe) {
		return pointError(pe)
	}
	return nil
}

func pointError(pe *geo.PointError) error {
	if pe.Axis == geo.AxisLat {
		return FieldError("lat", "纬度必须是 -90 到 90 之间的数 (latitude must be a number from -90 to 90)")
	}
	return FieldError("lng", "经度必须是 -180 到 180 之间的数 (longitude must be a number from -180 to 180)")
}

// ToWGS84 converts a point given in datum d to WGS-84 (geo.ToWGS84), with domain errors: the
// point's as ValidatePoint words them, and an unknown datum on the field "datum".
func ToWGS84(p Point, d Datum) (Point, error) {
	w, err := geo.ToWGS84(p, d)
	var pe *geo.PointError
	var de *geo.DatumError
	switch {
	case errors.As(err, &pe):
		return Point{}, pointError(pe)
	case errors.As(err, &de):
		return Point{}, FieldError("datum", "未知的坐标系 %q，应为 wgs84、gcj02 或 bd09 (unknown datum %q: want wgs84, gcj02 or bd09)", d, d)
	}
	return w, err
}

// Location is where a report says the problem is: the point converted to WGS-84, and the point as
// the channel gave it with its datum.
type Location struct {
	Point    Point  `json:"point"`             // WGS-84
	Original Point  `json:"original"`          // as received
	Datum    Datum  `json:"datum"`             // datum of Original
	Address  string `json:"address,omitempty"` // free text, as given
}

// Routing outcomes.
const (
	RouteToUnit     = "unit"     // one unit of the bureau owns it
	RouteToTransfer = "transfer" // another authority owns the place: transfer out
)

// Routing is the router's answer for one point and category, with its explanation. It is stored on
// the case so that anyone can see why the case went where it went.
type Routing struct {
	Outcome          string   `json:"outcome"` // RouteToUnit or RouteToTransfer
	Unit             string   `json:"unit"`    // the unit (or outside agency) that owns the case
	Jurisdiction     string   `json:"jurisdiction"`
	JurisdictionName string   `json:"jurisdiction_name"`
	Authority        string   `json:"authority"`
	Cell             string   `json:"cell"` // H3 cell of the WGS-84 point, hex
	Resolution       int      `json:"resolution"`
	Exact            bool     `json:"exact"` // true when the cell straddles a border and an exact point-in-polygon test decided
	Rule             string   `json:"rule"`  // "territorial", "category:0302 -> unit:QJ-ZTDD", "authority:万盛经开区 -> EXT-WS"
	CoHandlers       []string `json:"co_handlers,omitempty"`
	Explanation      string   `json:"explanation"` // one readable sentence (zh-CN)
}

// Router finds who owns a WGS-84 point for a category. A point outside every jurisdiction is an
// EOutside error; an unknown category is EInvalid.
type Router interface {
	Route(ctx context.Context, p Point, category string) (Routing, error)
}
