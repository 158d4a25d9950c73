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
	Places        []Place         `json:"places,omitempty"`    // the gazetteer (gazetteer.go)
	Campaigns     []Campaign      `json:"campaigns,omitempty"` // 专项整治 periods (campaigns.go)
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

// MaxLimitValue is the largest value a limit may have in each unit: about a year (366 days of wall
// time, 366 working days, or 366 days of 8 working hours). No time limit of a bureau is longer,
// and the bound keeps deadline arithmetic within microseconds (the calendar's loops step by day)
// and far from overflowing a time.Duration. Every limit the hub loads or accepts is held to it
// (Valid): the catalogue's, an extension request's and the extension bounds.
var MaxLimitValue = map[string]int{
	NaturalMinute: 366 * 24 * 60,
	NaturalHour:   366 * 24,
	WorkHour:      366 * 8,
	WorkDay:       366,
}

// Valid reports whether the limit can be counted: a known unit and a value from 1 to the unit's
// MaxLimitValue.
func (l Limit) Valid() bool {
	max, ok := MaxLimitValue[l.Unit]
	return ok && l.Value > 0 && l.Value <= max
}

// check is Valid as an error about the named input.
func (l Limit) check(field string) error {
	if l.Valid() {
		return nil
	}
	max, ok := MaxLimitValue[l.Unit]
	if !ok {
		return FieldError(field, "时限单位须为 work_hour、work_day、natural_hour 或 natural_minute (unit must be work_hour, work_day, natural_hour or natural_minute)")
	}
	return FieldError(field, "时限须为 1 到 %d %s (the value must be from 1 to %d %s)", max, l.Unit, max, l.Unit)
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

	// MajorFine is the fine, in yuan, at or above which a fine is a major decision (重大执法决定)
	// that needs legal review before it takes effect; 0 means DefaultMajorFine.
	MajorFine int64 `json:"major_fine,omitempty"`
	// MergeRadius is how far apart, in metres, a report and the earlier case it is merged into may
	// be; 0 means DefaultMergeRadius.
	MergeRadius float64 `json:"merge_radius_m,omitempty"`
}

// Defaults of the catalogue's settings.
const (
	// DefaultMajorFine: a fine of 10,000 yuan or more is a major decision. Bureaus set their own
	// threshold in their 重大执法决定法制审核目录 (major_fine in categories.json); this default errs
	// towards review.
	DefaultMajorFine = 10000
	// DefaultMergeRadius: two reports of one problem are merged only if they lie within 500 m.
	// Reporters place the same problem apart by their phones' fixes (tens of metres), a pin on a
	// map, or an address that an operator locates at a street or building (a few hundred metres
	// off); 500 m keeps those together and keeps a report from being merged into a case in
	// another neighbourhood.
	DefaultMergeRadius = 500
)

// MajorFineYuan is the catalogue's major-fine threshold, or the default.
func (c Catalogue) MajorFineYuan() int64 {
	if c.MajorFine > 0 {
		return c.MajorFine
	}
	return DefaultMajorFine
}

// MergeRadiusMetres is the catalogue's merge radius, or the default.
func (c Catalogue) MergeRadiusMetres() float64 {
	if c.MergeRadius > 0 {
		return c.MergeRadius
	}
	return DefaultMergeRadius
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

	// Enforcement says whether the group's items are enforcement matters (执法事项) by default.
	Enforcement bool `json:"enforcement,omitempty"`
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

	// Enforcement says whether the bureau decides enforcement acts (责令改正, 罚款, 强制拆除...) on
	// cases of this category; nil takes the group's setting. A category that is not an enforcement
	// matter (a collapsed road, a blocked sewer) is resolved by repair or advice only.
	Enforcement *bool `json:"enforcement,omitempty"`
	// Extension bounds the extensions of the handling deadline, in the handle limit's unit; nil
	// takes DefaultExtension.
	Extension *ExtensionBound `json:"extension,omitempty"`
}

// IsEnforcement reports whether enforcement acts may be recorded on cases of the category.
func (c Category) IsEnforcement() bool { return c.Enforcement != nil && *c.Enforcement }

// ExtensionBound is how much extra time a case may get, in the handling clock's unit: at most
// PerRequest in one request and Total over all the approved extensions of one dispatch.
type ExtensionBound struct {
	PerRequest int `json:"per_request"`
	Total      int `json:"total"`
}

// DefaultExtension: one request may add at most the category's own handling time, and all the
// extensions of one dispatch at most twice it (bounded by MaxLimitValue).
func DefaultExtension(handle Limit) ExtensionBound {
	max := MaxLimitValue[handle.Unit]
	return ExtensionBound{PerRequest: min(handle.Value, max), Total: min(2*handle.Value, max)}
}

// ExtensionBound is the category's bound on extensions, or the default.
func (c Category) ExtensionBound() ExtensionBound {
	if c.Extension != nil {
		return *c.Extension
	}
	return DefaultExtension(c.HandleLimit)
}

func (b ExtensionBound) valid(unit string) bool {
	max := MaxLimitValue[unit]
	return b.PerRequest > 0 && b.PerRequest <= b.Total && b.Total <= max
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
			if it.Enforcement == nil {
				enforcement := g.Enforcement
				it.Enforcement = &enforcement
			}
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
			return fmt.Errorf("category %s: bad handle_limit %v (at most %d %s)", c.Code, c.HandleLimit, MaxLimitValue[c.HandleLimit.Unit], c.HandleLimit.Unit)
		}
		if !c.ExtensionBound().valid(c.HandleLimit.Unit) {
			return fmt.Errorf("category %s: bad extension %+v: want 0 < per_request <= total <= %d", c.Code, c.ExtensionBound(), MaxLimitValue[c.HandleLimit.Unit])
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
	if err := r.Catalogue.validateLimits(); err != nil {
		return err
	}
	if err := r.validatePlaces(); err != nil {
		return err
	}
	return r.validateCampaigns()
}

// validateLimits checks the catalogue's own limits and settings: every limit it gives must be
// countable and bounded, so that no deadline the hub computes can overflow or take long.
func (c Catalogue) validateLimits() error {
	limits := map[string]*Limit{"acknowledge_limit": &c.AcknowledgeLimit.Limit, "acknowledge_limit.urgent": c.AcknowledgeLimit.Urgent,
		"register_limit": c.RegisterLimit, "check_limit": c.CheckLimit}
	for _, name := range []string{"acknowledge_limit", "acknowledge_limit.urgent", "register_limit", "check_limit"} {
		if l := limits[name]; l != nil && !l.Valid() {
			return fmt.Errorf("bad %s %v", name, *l)
		}
	}
	if c.MajorFine < 0 || !(c.MergeRadius >= 0 && c.MergeRadius <= 50000) {
		return fmt.Errorf("bad major_fine %d or merge_radius_m %v", c.MajorFine, c.MergeRadius)
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
