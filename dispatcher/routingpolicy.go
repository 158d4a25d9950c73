package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"cityhub/geo"
)

// RoutingPolicy is the bureau's Router: the routing rules of its reference data (categories'
// routes and co-handlers, territorial units, other authorities' agencies) applied to the place
// geo's index finds. Every (category, jurisdiction) answer is worked out once in
// NewRoutingPolicy, so Route is a cell lookup, a table read and two short strings. It is safe
// for concurrent use.
type RoutingPolicy struct {
	ix   *geo.Index
	cats map[string]*categoryRoutes
}

var _ Router = (*RoutingPolicy)(nil)

// Rule names (Routing.Rule) other than the per-category and per-authority ones.
const RuleTerritorial = "territorial"

// categoryRoutes holds one category's decision for each jurisdiction (by index position).
type categoryRoutes struct {
	decisions []decision
}

// decision is the fixed part of a Routing: everything but the cell.
type decision struct {
	outcome    string
	unit       string
	rule       string
	coHandlers []string
	tail       string // the explanation after the cell, see explain.go
}

// NewRoutingPolicy builds the router of a bureau's reference data: it parses the jurisdictions, builds
// the index at geo.DefaultResolution and resolves, for every category and jurisdiction, who owns a
// case there. Reference data that leaves a case without an owner is an error here rather than at
// the first complaint: a home jurisdiction with no territorial unit (or two), a jurisdiction of
// another authority with no external agency listing it (or two), a category with an unknown
// route, route unit or co-handler.
func NewRoutingPolicy(ref *Reference) (*RoutingPolicy, error) {
	if ref == nil {
		return nil, errors.New("routing: no reference data")
	}
	js, err := geo.LoadJurisdictions(ref.Jurisdictions)
	if err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	owners, err := territorialOwners(ref, js)
	if err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	units := make(map[string]Unit, len(ref.Units))
	for _, u := range ref.Units {
		units[u.Code] = u
	}
	r := &RoutingPolicy{cats: map[string]*categoryRoutes{}}
	for _, c := range ref.Catalogue.Categories() {
		if _, dup := r.cats[c.Code]; dup {
			return nil, fmt.Errorf("routing: category %s appears twice", c.Code)
		}
		cr, err := newCategoryRoutes(c, js, owners, units, ref.HomeAuthority)
		if err != nil {
			return nil, fmt.Errorf("routing: category %s: %w", c.Code, err)
		}
		r.cats[c.Code] = cr
	}
	// The index comes last: it is the slow part, and the checks above fail fast. It keeps js in
	// the same order, so the decision tables line up with Hit's position.
	if r.ix, err = geo.NewIndex(js, geo.DefaultResolution); err != nil {
		return nil, fmt.Errorf("routing: %w", err)
	}
	return r, nil
}

// territorialOwners finds, for each jurisdiction, the unit whose jurisdictions list its code: a
// unit of the bureau for a home jurisdiction, an external agency for another authority's.
func territorialOwners(ref *Reference, js []geo.Jurisdiction) ([]Unit, error) {
	owners := make([]Unit, len(js))
	for i, j := range js {
		foreign := j.Authority != ref.HomeAuthority
		var found []Unit
		for _, u := range ref.Units {
			if u.IsExternal() == foreign && listsCode(u, j.Code) {
				found = append(found, u)
			}
		}
		kind := "unit of the bureau"
		if foreign {
			kind = "external agency"
		}
		switch len(found) {
		case 0:
			return nil, fmt.Errorf("jurisdiction %s (%s, %s): no %s lists it", j.Code, j.Name, j.Authority, kind)
		case 1:
			owners[i] = found[0]
		default:
			return nil, fmt.Errorf("jurisdiction %s (%s): listed by more than one %s (%s, %s)", j.Code, j.Name, kind, found[0].Code, found[1].Code)
		}
	}
	return owners, nil
}

func listsCode(u Unit, code string) bool {
	for _, c := range u.Jurisdictions {
		if c == code {
			return true
		}
	}
	return false
}

// newCategoryRoutes applies the rules, in order, for one category in every jurisdiction:
// another authority's place is transferred to its agency; a "unit:CODE" route goes to that unit;
// otherwise the territorial unit owns it.
func newCategoryRoutes(c Category, js []geo.Jurisdiction, owners []Unit,
	units map[string]Unit, home string) (*categoryRoutes, error) {
	routeUnit, err := categoryUnit(c, units)
	if err != nil {
		return nil, err
	}
	co := make([]Unit, 0, len(c.CoHandlers))
	for _, code := range c.CoHandlers {
		u, ok := units[code]
		if !ok {
			return nil, fmt.Errorf("unknown co-handler %s", code)
		}
		co = append(co, u)
	}
	cr := &categoryRoutes{decisions: make([]decision, len(js))}
	for i := range js {
		cr.decisions[i] = decide(c, &js[i], owners[i], routeUnit, co, home)
	}
	return cr, nil
}

// categoryUnit resolves a category's route: nil for territorial, the unit for "unit:CODE".
func categoryUnit(c Category, units map[string]Unit) (*Unit, error) {
	if c.Route == RuleTerritorial {
		return nil, nil
	}
	code, ok := RouteUnit(c.Route)
	if !ok {
		return nil, fmt.Errorf("route %q: want %q or \"unit:CODE\"", c.Route, RuleTerritorial)
	}
	u, ok := units[code]
	if !ok {
		return nil, fmt.Errorf("route to unknown unit %s", code)
	}
	return &u, nil
}

// decide is the routing rule for one category in one jurisdiction.
func decide(c Category, j *geo.Jurisdiction, owner Unit, routeUnit *Unit,
	co []Unit, home string) decision {
	switch {
	case j.Authority != home:
		// The case leaves the bureau; our co-handlers are not involved in another authority's
		// handling, so none are recorded.
		return decision{
			outcome: RouteToTransfer,
			unit:    owner.Code,
			rule:    "authority:" + j.Authority + " -> " + owner.Code,
			tail:    transferTail(j, owner),
		}
	case routeUnit != nil:
		return decision{
			outcome:    RouteToUnit,
			unit:       routeUnit.Code,
			rule:       "category:" + c.Code + " -> unit:" + routeUnit.Code,
			coHandlers: codes(co),
			tail:       categoryTail(c, j, *routeUnit, co),
		}
	}
	return decision{
		outcome:    RouteToUnit,
		unit:       owner.Code,
		rule:       RuleTerritorial,
		coHandlers: codes(co),
		tail:       territorialTail(j, owner, co),
	}
}

func codes(us []Unit) []string {
	if len(us) == 0 {
		return nil
	}
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out
}

// Route finds who owns a case at the WGS-84 point p for category. An unknown category or an
// invalid point is EInvalid; a point in no jurisdiction is EOutside. Route does not block, so it
// does not look at ctx.
func (r *RoutingPolicy) Route(_ context.Context, p Point, category string) (Routing, error) {
	cr, ok := r.cats[category]
	if !ok {
		return Routing{}, FieldError("category", "未知的事件类别 %q / unknown category %q", category, category)
	}
	if err := ValidatePoint(p); err != nil {
		return Routing{}, err
	}
	hit, ok := r.ix.Locate(p)
	if !ok {
		return Routing{}, Errorf(EOutside,
			"位置不在本区范围内（纬度 %.6f，经度 %.6f） / the location (lat %.6f, lng %.6f) is outside the district",
			p.Lat, p.Lng, p.Lat, p.Lng)
	}
	d := &cr.decisions[hit.Position]
	j := hit.Jurisdiction
	cell := hit.Cell.String()
	return Routing{
		Outcome:          d.outcome,
		Unit:             d.unit,
		Jurisdiction:     j.Code,
		JurisdictionName: j.Name,
		Authority:        j.Authority,
		Cell:             cell,
		Resolution:       r.ix.Resolution(),
		Exact:            hit.Exact,
		Rule:             d.rule,
		CoHandlers:       cloneStrings(d.coHandlers),
		Explanation:      explanation(cell, strconv.Itoa(r.ix.Resolution()), hit.Exact, d.tail),
	}, nil
}

// cloneStrings copies s so that a caller cannot change the router's tables through a Routing.
func cloneStrings(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return append([]string(nil), s...)
}

// Jurisdictions returns the router's jurisdictions, in input order (a copy of the list; the shapes
// are shared and must not be modified).
func (r *RoutingPolicy) Jurisdictions() []geo.Jurisdiction {
	return append([]geo.Jurisdiction(nil), r.ix.Jurisdictions()...)
}

// Index returns the router's index.
func (r *RoutingPolicy) Index() *geo.Index { return r.ix }
