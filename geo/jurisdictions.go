package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// Jurisdiction is one street or town polygon of the reference data.
type Jurisdiction struct {
	Code      string // e.g. QJ-GN; unique
	Name      string // e.g. 古南街道
	Kind      string // street or town
	Authority string // the government that administers it, e.g. 綦江区 or 万盛经开区
	Shape     orb.MultiPolygon
	Bound     orb.Bound
}

// errJurisdictions prefixes every loader error so that a log line says where it comes from.
var errJurisdictions = errors.New("jurisdictions")

// LoadJurisdictions parses a GeoJSON FeatureCollection of jurisdiction polygons. It checks what
// the index and the router rely on and reports the first problem with the feature it is in: not
// a FeatureCollection, no features, a feature without a code or with a duplicate one, a geometry
// that is not a Polygon or MultiPolygon, a ring with fewer than 4 positions or not closed, a
// position with fewer than 2 numbers, a coordinate that is not finite or out of range.
func LoadJurisdictions(data []byte) ([]Jurisdiction, error) {
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("%w: not a GeoJSON FeatureCollection: %v", errJurisdictions, err)
	}
	if len(fc.Features) == 0 {
		return nil, fmt.Errorf("%w: the FeatureCollection has no features", errJurisdictions)
	}
	// orb reads a position into a [2]float64 and silently pads a short one with zeros; a second,
	// shallow decode sees how many numbers each position really has.
	arity, err := positionArity(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errJurisdictions, err)
	}
	out := make([]Jurisdiction, 0, len(fc.Features))
	seen := make(map[string]int, len(fc.Features))
	for i, f := range fc.Features {
		j, err := jurisdictionOf(f)
		if err == nil && i < len(arity) && arity[i] != "" {
			err = errors.New(arity[i])
		}
		if err != nil {
			return nil, fmt.Errorf("%w: feature %d%s: %v", errJurisdictions, i, codeSuffix(f), err)
		}
		if k, dup := seen[j.Code]; dup {
			return nil, fmt.Errorf("%w: feature %d: duplicate code %q (also feature %d)", errJurisdictions, i, j.Code, k)
		}
		seen[j.Code] = i
		out = append(out, j)
	}
	return out, nil
}

// codeSuffix names a feature's code in an error message when it has a usable one.
func codeSuffix(f *geojson.Feature) string {
	if f == nil {
		return ""
	}
	if c, ok := f.Properties["code"].(string); ok && c != "" {
		return fmt.Sprintf(" (%s)", c)
	}
	return ""
}

// jurisdictionOf checks one feature and turns it into a Jurisdiction.
func jurisdictionOf(f *geojson.Feature) (Jurisdiction, error) {
	if f == nil {
		return Jurisdiction{}, errors.New("feature is null")
	}
	var j Jurisdiction
	if err := readProperties(f.Properties, &j); err != nil {
		return Jurisdiction{}, err
	}
	shape, err := shapeOf(f.Geometry)
	if err != nil {
		return Jurisdiction{}, err
	}
	if err := checkShape(shape); err != nil {
		return Jurisdiction{}, err
	}
	j.Shape, j.Bound = shape, shape.Bound()
	return j, nil
}

// readProperties copies the string properties; code is required, the others may be absent but
// must be strings when present.
func readProperties(props geojson.Properties, j *Jurisdiction) error {
	fields := []struct {
		key string
		dst *string
	}{{"code", &j.Code}, {"name", &j.Name}, {"kind", &j.Kind}, {"authority", &j.Authority}}
	for _, fl := range fields {
		v, ok := props[fl.key]
		if !ok || v == nil {
			continue
		}
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("property %q must be a string, got %T", fl.key, v)
		}
		*fl.dst = s
	}
	if j.Code == "" {
		return errors.New("no code property")
	}
	return nil
}

// shapeOf accepts a Polygon or a MultiPolygon and returns it as a MultiPolygon.
func shapeOf(g orb.Geometry) (orb.MultiPolygon, error) {
	switch s := g.(type) {
	case nil:
		return nil, errors.New("no geometry")
	case orb.Polygon:
		return orb.MultiPolygon{s}, nil
	case orb.MultiPolygon:
		if len(s) == 0 {
			return nil, errors.New("MultiPolygon has no polygons")
		}
		return s, nil
	}
	return nil, fmt.Errorf("geometry is a %s; want Polygon or MultiPolygon", g.GeoJSONType())
}

// checkShape checks every ring of every polygon.
func checkShape(mp orb.MultiPolygon) error {
	for pi, poly := range mp {
		if len(poly) == 0 {
			return fmt.Errorf("polygon %d has no rings", pi)
		}
		for ri, ring := range poly {
			if err := checkRing(ring); err != nil {
				return fmt.Errorf("polygon %d ring %d: %v", pi, ri, err)
			}
		}
	}
	return nil
}

// checkRing requires a closed ring of at least 4 positions with finite, in-range coordinates.
func checkRing(r orb.Ring) error {
	if len(r) < 4 {
		return fmt.Errorf("%d positions; a ring needs at least 4", len(r))
	}
	for i, p := range r {
		if err := checkCoord(p); err != nil {
			return fmt.Errorf("position %d: %v", i, err)
		}
	}
	if r[0] != r[len(r)-1] {
		return fmt.Errorf("not closed: first position %v differs from last %v", r[0], r[len(r)-1])
	}
	return nil
}

// checkCoord requires a finite longitude within ±180 and latitude within ±90.
func checkCoord(p orb.Point) error {
	lng, lat := p[0], p[1]
	if math.IsNaN(lng) || math.IsInf(lng, 0) || lng < -180 || lng > 180 {
		return fmt.Errorf("longitude %v is not a number within ±180", lng)
	}
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return fmt.Errorf("latitude %v is not a number within ±90", lat)
	}
	return nil
}

// shallowGeometry mirrors the geometry members orb reads (same struct tags, so the same
// matching rules).
type shallowGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// positionArity returns, for each feature, "" when every position of its polygon geometry has at
// least two numbers, else a description of the first short one. It walks the document the way
// orb does (maps for the collection and the features, a struct for the geometry) so that both
// passes see the same members. Geometries of other types are left to the main checks.
func positionArity(data []byte) ([]string, error) {
	var top map[string]json.RawMessage
	var feats []json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, fmt.Errorf("not a GeoJSON FeatureCollection: %v", err)
	}
	if err := json.Unmarshal(top["features"], &feats); err != nil {
		return nil, fmt.Errorf("features: %v", err)
	}
	out := make([]string, len(feats))
	for i, raw := range feats {
		var f map[string]json.RawMessage
		var g *shallowGeometry
		if json.Unmarshal(raw, &f) != nil || json.Unmarshal(f["geometry"], &g) != nil || g == nil {
			continue // null feature or geometry: the main checks report it
		}
		out[i] = shortPosition(g.Type, g.Coordinates)
	}
	return out, nil
}

// shortPosition describes the first position with fewer than two numbers, or returns "".
func shortPosition(kind string, raw json.RawMessage) string {
	var polys [][][][]float64
	switch kind {
	case "Polygon":
		var p [][][]float64
		if json.Unmarshal(raw, &p) != nil {
			return "" // orb already accepted it; a shape it reads differently is not our concern
		}
		polys = [][][][]float64{p}
	case "MultiPolygon":
		if json.Unmarshal(raw, &polys) != nil {
			return ""
		}
	default:
		return ""
	}
	for pi, poly := range polys {
		for ri, ring := range poly {
			for k, pos := range ring {
				if len(pos) < 2 {
					return fmt.Sprintf("polygon %d ring %d: position %d has %d numbers; want longitude and latitude", pi, ri, k, len(pos))
				}
			}
		}
	}
	return ""
}
