package dispatcher

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Reference is the data a bureau loads to describe itself: who handles what, the event catalogue
// with its time limits, the work calendar and the jurisdiction polygons (kept as raw GeoJSON; the
// geo package parses it). A folder shaped like refdata/qijiang decodes into one Reference.
type Reference struct {
	District      string          `json:"district"`  // short id, e.g. "qijiang" (Open311 jurisdiction_id)
	Authority     string          `json:"authority"` // the bureau, e.g. 綦江区城市管理局
	HomeAuthority string          `json:"home_authority"`
	CasePrefix    string          `json:"case_prefix"` // case numbers start with it, e.g. "QJ"
	Units         []Unit          `json:"units"`
	Catalogue     Catalogue       `json:"catalogue"`
	Calendar      CalendarConfig  `json:"calendar"`
	Jurisdictions json.RawMessage `json:"jurisdictions"` // GeoJSON FeatureCollection
	People        []Person        `json:"people,omitempty"`
}

// Unit is an organisation that can own a case: the command centre, a street brigade, a town office,
// a district-wide squad, or an outside agency.
type Unit struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	Short         string   `json:"short,omitempty"`
	Kind          string   `json:"kind"`
	Jurisdictions []string `json:"jurisdictions,omitempty"`
	Note          string   `json:"note,omitempty"`
}

// Unit kinds that matter to the rules.
const (
	UnitCommandCentre  = "command_center"
	UnitExternalAgency = "external_agency"
)

// IsExternal reports whether the unit is outside the bureau (cases go to it by transfer).
func (u Unit) IsExternal() bool { return u.Kind == UnitExternalAgency }

// DisplayName is the short name when there is one.
func (u Unit) DisplayName() string {
	if u.Short != "" {
		return u.Short
	}
	return u.Name
}

// Limit is a time limit: a value in a unit of measure (work_hour, work_day, natural_hour,
// natural_minute).
type Limit struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"`
}

// Limit units.
const (
	WorkHour      = "work_hour"
	WorkDay       = "work_day"
	NaturalHour   = "natural_hour"
	NaturalMinute = "natural_minute"
)

// Valid reports whether the limit can be counted.
func (l Limit) Valid() bool {
	switch l.Unit {
	case WorkHour, WorkDay, NaturalHour, NaturalMinute:
		return l.Value > 0
	}
	return false
}

func (l Limit) String() string { return fmt.Sprintf("%d %s", l.Value, l.Unit) }

// Catalogue is the event catalogue: natures of a request and the category groups.
type Catalogue struct {
	Scheme           string          `json:"scheme,omitempty"`
	AcknowledgeLimit AckLimit        `json:"acknowledge_limit"`
	RegisterLimit    *Limit          `json:"register_limit,omitempty"`
	CheckLimit       *Limit          `json:"check_limit,omitempty"`
	Natures          []Nature        `json:"natures"`
	Groups           []CategoryGroup `json:"groups"`
}

// AckLimit is the acknowledgement limit, with its own value for urgent categories.
type AckLimit struct {
	Limit
	Urgent *Limit `json:"urgent,omitempty"`
}

// Nature is the nature of a request (投诉, 咨询, ...).
type Nature struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// CategoryGroup is a group of the catalogue (市容环境, 街面秩序, ...).
type CategoryGroup struct {
	Code   string     `json:"code"`
	Name   string     `json:"name"`
	NameEn string     `json:"name_en,omitempty"`
	Items  []Category `json:"items"`
}

// Category is one item of the catalogue, with its handling limit and routing rule.
type Category struct {
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	NameEn        string   `json:"name_en,omitempty"`
	Group         string   `json:"group,omitempty"` // filled from the enclosing group
	GroupName     string   `json:"group_name,omitempty"`
	HandleLimit   Limit    `json:"handle_limit"`
	Route         string   `json:"route"` // "territorial" or "unit:CODE"
	CoHandlers    []string `json:"co_handlers,omitempty"`
	Urgent        bool     `json:"urgent,omitempty"`
	MajorPossible bool     `json:"major_possible,omitempty"`
	Aka           []string `json:"aka,omitempty"`
	Note          string   `json:"note,omitempty"`
}

// CalendarConfig is calendar.json: the work windows and each year's holidays and make-up days.
type CalendarConfig struct {
	Timezone  string                  `json:"timezone"`
	WorkHours [][2]string             `json:"work_hours"`
	Years     map[string]CalendarYear `json:"years"`
	Source    string                  `json:"source,omitempty"`
}

// CalendarYear lists one year's holidays (inclusive date ranges) and make-up working days.
type CalendarYear struct {
	Holidays [][2]string `json:"holidays"`
	Workdays []string    `json:"workdays"`
}

// Person is a demo account as people.json describes it.
type Person struct {
	Login       string       `json:"login"`
	Name        string       `json:"name"`
	Role        Role         `json:"role"`
	Unit        string       `json:"unit"`
	Certificate *Certificate `json:"certificate,omitempty"`
	Note        string       `json:"note,omitempty"`
}

// Certificate is an enforcement officer's certificate (执法证).
type Certificate struct {
	Number     string `json:"number"`
	ValidUntil string `json:"valid_until"` // YYYY-MM-DD, inclusive
	Scope      string `json:"scope,omitempty"`
}

// Categories returns every item of the catalogue with its group filled in, ordered by code.
func (c Catalogue) Categories() []Category {
	var out []Category
	for _, g := range c.Groups {
		for _, it := range g.Items {
			it.Group, it.GroupName = g.Code, g.Name
			out = append(out, it)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// Validate checks the reference data for the mistakes that would break routing or clocks.
func (r *Reference) Validate() error {
	units := map[string]bool{}
	for _, u := range r.Units {
		if u.Code == "" {
			return fmt.Errorf("a unit has no code")
		}
		units[u.Code] = true
	}
	if !units[CommandCentre] {
		return fmt.Errorf("no command centre unit %q", CommandCentre)
	}
	for _, c := range r.Catalogue.Categories() {
		if !c.HandleLimit.Valid() {
			return fmt.Errorf("category %s: bad handle_limit %v", c.Code, c.HandleLimit)
		}
		if code, ok := RouteUnit(c.Route); ok && !units[code] {
			return fmt.Errorf("category %s: route to unknown unit %s", c.Code, code)
		}
		for _, h := range c.CoHandlers {
			if !units[h] {
				return fmt.Errorf("category %s: unknown co-handler %s", c.Code, h)
			}
		}
	}
	if !r.Catalogue.AcknowledgeLimit.Valid() {
		return fmt.Errorf("bad acknowledge_limit")
	}
	return nil
}

// RouteUnit parses a category's "unit:CODE" route.
func RouteUnit(route string) (string, bool) {
	const p = "unit:"
	if len(route) > len(p) && route[:len(p)] == p {
		return route[len(p):], true
	}
	return "", false
}

// CommandCentre is the code of the unit that owns a case while it is received, registered or checked.
const CommandCentre = "CMD"
