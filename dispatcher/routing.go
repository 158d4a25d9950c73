package dispatcher

import "context"

// Datum names a coordinate reference: WGS-84 (GPS, Open311), GCJ-02 (WeChat, AMap) or BD-09 (Baidu).
type Datum string

const (
	WGS84 Datum = "wgs84"
	GCJ02 Datum = "gcj02"
	BD09  Datum = "bd09"
)

// Point is a latitude/longitude pair in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
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
	// Distance is the distance in metres between two WGS-84 points (geo.Distance). It is reached
	// through the router only while geo imports dispatcher; once geo is pure geometry the
	// dispatcher calls geo.Distance itself.
	Distance(a, b Point) float64
}
