package dispatcher

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"cityhub/geo"
)

// The gazetteer (地名库) is the places the bureau's admin keeps so that operators find a caller's
// "綦江中学门口" without a map: government offices, schools, malls, markets, stations, estates.
// It is part of the reference data (Reference.Places), saved and reloaded with it by every
// instance.

// Place is one named place of the gazetteer.
type Place struct {
	ID      string   `json:"id"` // stable, e.g. "qj-zf"; lower-case letters, digits and hyphens
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"` // other names people use: 简称, old names
	Kind    string   `json:"kind"`              // one of PlaceKinds
	Point   Point    `json:"point"`             // WGS-84
	Address string   `json:"address,omitempty"`
}

// PlaceKinds are the kinds of place the gazetteer holds, with their Chinese names.
var PlaceKinds = map[string]string{
	"government": "机关单位", "school": "学校", "hospital": "医院", "mall": "商场", "market": "市场",
	"park": "公园广场", "station": "车站", "residential": "小区", "landmark": "地标", "road": "道路桥梁",
	"other": "其他",
}

// Bounds of a place's text fields.
const (
	MaxPlaceNameRunes = 60
	MaxPlaceAliases   = 10
	MaxPlaces         = 5000
	maxPlaceIDLen     = 40
)

// validatePlaces checks the gazetteer: at most MaxPlaces, ids unique and well formed, names and
// aliases one line, kinds known, points on Earth.
func (r *Reference) validatePlaces() error {
	if len(r.Places) > MaxPlaces {
		return fmt.Errorf("gazetteer: %d places, at most %d", len(r.Places), MaxPlaces)
	}
	seen := map[string]bool{}
	for i, p := range r.Places {
		if err := p.Validate(); err != nil {
			return fmt.Errorf("gazetteer: place %d (%s): %s", i, p.ID, ErrorMessage(err))
		}
		if seen[p.ID] {
			return fmt.Errorf("gazetteer: place id %s is used twice", p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// Validate checks one place; the errors name the field at fault.
func (p Place) Validate() error {
	if p.ID == "" || len(p.ID) > maxPlaceIDLen || strings.Trim(p.ID, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return FieldError("id", "地名编号须为 1 到 %d 个小写字母、数字或连字符 (a place id is 1 to %d lower-case letters, digits or hyphens)",
			maxPlaceIDLen, maxPlaceIDLen)
	}
	if err := checkLine("name", p.Name, MaxPlaceNameRunes, true); err != nil {
		return err
	}
	if len(p.Aliases) > MaxPlaceAliases {
		return FieldError("aliases", "别名最多 %d 个 (at most %d aliases)", MaxPlaceAliases, MaxPlaceAliases)
	}
	for _, a := range p.Aliases {
		if err := checkLine("aliases", a, MaxPlaceNameRunes, true); err != nil {
			return err
		}
	}
	if _, ok := PlaceKinds[p.Kind]; !ok {
		return FieldError("kind", "未知的地名类型 %q，应为 %s (unknown kind of place %q)", p.Kind, kindList(), p.Kind)
	}
	if err := checkLine("address", p.Address, MaxAddressRunes, false); err != nil {
		return err
	}
	return ValidatePoint(p.Point)
}

func kindList() string {
	kinds := make([]string, 0, len(PlaceKinds))
	for k := range PlaceKinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return strings.Join(kinds, "、")
}

// PlaceHit is one answer of a place search: a jurisdiction or a place of the gazetteer.
type PlaceHit struct {
	Type             string  `json:"type"` // "jurisdiction" or "place"
	ID               string  `json:"id"`   // the jurisdiction's code or the place's id
	Name             string  `json:"name"`
	Kind             string  `json:"kind"` // street or town for a jurisdiction, a PlaceKinds key for a place
	KindName         string  `json:"kind_name"`
	Matched          string  `json:"matched,omitempty"` // the alias that matched, when not the name
	Point            Point   `json:"point"`             // WGS-84: the place, or a point inside the jurisdiction
	Bounds           *Bounds `json:"bounds,omitempty"`  // a jurisdiction's extent
	Jurisdiction     string  `json:"jurisdiction"`      // code ("" for a place outside every jurisdiction)
	JurisdictionName string  `json:"jurisdiction_name"`
	Address          string  `json:"address,omitempty"`
}

// Bounds is a box in WGS-84 degrees.
type Bounds struct {
	South float64 `json:"south"`
	West  float64 `json:"west"`
	North float64 `json:"north"`
	East  float64 `json:"east"`
}

// gazetteer is the searchable form of the jurisdictions and places of one reference view.
type gazetteer struct {
	entries []gazEntry
}

type gazEntry struct {
	hit   PlaceHit
	names []string // the name, then the aliases, as written
	keys  []string // the same, normalised
}

var jurisdictionKinds = map[string]string{"street": "街道", "town": "镇"}

// newGazetteer indexes the jurisdictions (from the router when it parsed them) and the places,
// each place with the jurisdiction it lies in.
func newGazetteer(ref *Reference, js []geo.Jurisdiction, locate func(Point) (*geo.Jurisdiction, bool)) *gazetteer {
	g := &gazetteer{}
	for i := range js {
		j := &js[i]
		b := j.Bound
		g.entries = append(g.entries, gazEntry{names: []string{j.Name}, keys: []string{normalise(j.Name)}, hit: PlaceHit{
			Type: "jurisdiction", ID: j.Code, Name: j.Name, Kind: j.Kind, KindName: labelOr(jurisdictionKinds[j.Kind], j.Kind),
			Point: j.LabelPoint(), Bounds: &Bounds{South: b.Min.Y(), West: b.Min.X(), North: b.Max.Y(), East: b.Max.X()},
			Jurisdiction: j.Code, JurisdictionName: j.Name}})
	}
	for _, p := range ref.Places {
		hit := PlaceHit{Type: "place", ID: p.ID, Name: p.Name, Kind: p.Kind, KindName: PlaceKinds[p.Kind],
			Point: p.Point, Address: p.Address}
		if locate != nil {
			if j, ok := locate(p.Point); ok {
				hit.Jurisdiction, hit.JurisdictionName = j.Code, j.Name
			}
		}
		names := append([]string{p.Name}, p.Aliases...)
		keys := make([]string, len(names))
		for i, n := range names {
			keys[i] = normalise(n)
		}
		g.entries = append(g.entries, gazEntry{hit: hit, names: names, keys: keys})
	}
	return g
}

// normalise is the form names are compared in: lower case, without spaces and punctuation.
func normalise(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.IsPunct(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// MaxPlaceQueryRunes bounds a place search's text; MaxPlaceHits its answers.
const (
	MaxPlaceQueryRunes = 50
	MaxPlaceHits       = 20
)

// SearchPlaces finds the jurisdictions and places whose name or an alias contains q: exact
// matches first, then those that begin with it, then the others; shorter names first, and a
// jurisdiction before a place of the same length.
func (s *Service) SearchPlaces(q string) ([]PlaceHit, error) {
	q = strings.TrimSpace(q)
	if q == "" || utf8.RuneCountInString(q) > MaxPlaceQueryRunes || !utf8.ValidString(q) {
		return nil, FieldError("q", "q 须为 1 到 %d 个字的地名 (q is a place name of 1 to %d characters)", MaxPlaceQueryRunes, MaxPlaceQueryRunes)
	}
	s.mu.RLock()
	g := s.gaz
	s.mu.RUnlock()
	type scored struct {
		hit   PlaceHit
		score int
	}
	var found []scored
	nq := normalise(q)
	for _, e := range g.entries {
		if score, key := matchScore(e.keys, nq); score >= 0 {
			hit := e.hit
			if key > 0 {
				hit.Matched = e.names[key]
			}
			found = append(found, scored{hit, score})
		}
	}
	slices.SortStableFunc(found, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.score, b.score), cmp.Compare(utf8.RuneCountInString(a.hit.Name), utf8.RuneCountInString(b.hit.Name)),
			strings.Compare(a.hit.Type, b.hit.Type), strings.Compare(a.hit.Name, b.hit.Name)) // "jurisdiction" < "place"
	})
	out := make([]PlaceHit, 0, min(len(found), MaxPlaceHits))
	for _, f := range found[:min(len(found), MaxPlaceHits)] {
		out = append(out, f.hit)
	}
	return out, nil
}

// matchScore is how well the best of keys matches q (0 equal, 1 prefix, 2 contains; -1 none) and
// which key matched.
func matchScore(keys []string, q string) (int, int) {
	best, which := -1, -1
	for i, k := range keys {
		score := -1
		switch {
		case k == q:
			score = 0
		case strings.HasPrefix(k, q):
			score = 1
		case strings.Contains(k, q):
			score = 2
		}
		if score >= 0 && (best < 0 || score < best) {
			best, which = score, i
		}
	}
	return best, which
}
