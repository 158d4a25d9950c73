package dispatcher

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// What the consoles read besides the case API: a snapshot to start from, the router's answer
// before filing, the open cases nearby and a caller's earlier cases.

// CaseRow is a case as the consoles' queues show it: its id and summary (what every stream event
// carries as data.case) and, in the API's rows only, the reporter as the reader may see them.
type CaseRow struct {
	ID int64 `json:"id"`
	CaseSummary
	Reporter *Contact `json:"reporter"` // masked unless CanSeeContact; null when none was left
}

// RowOf is the case's row for the actor.
func RowOf(actor Actor, c *Case) CaseRow {
	row := CaseRow{ID: c.ID, CaseSummary: Summarize(c)}
	if !c.Reporter.IsZero() {
		r := forViewer(actor, c).Reporter
		row.Reporter = &r
	}
	return row
}

// Snapshot is where a console starts: every case it shows, and the stream position they are as of.
type Snapshot struct {
	// LastEventID was read before the cases: every change after it comes on the stream opened
	// with since=LastEventID, and one the rows already show comes with a version no newer than
	// the row's.
	LastEventID int64     `json:"last_event_id"`
	Cases       []CaseRow `json:"cases"`
	// Truncated: there were more than MaxSnapshotCases cases; the rows are the newest.
	Truncated bool `json:"truncated"`
}

// MaxSnapshotCases bounds a snapshot: far above the open cases of a district (the bureau closed
// 196,573 reports in years), low enough to keep the answer within a few megabytes.
const MaxSnapshotCases = 20000

// Snapshot returns the cases a console of the actor shows: every open case the actor may see, and
// those finished since midnight (the calendar's zone), oldest first. The stream position is read
// first, so that a console that applies the stream's events from it on, skipping those whose
// version is not newer than its row's, misses no change and applies none twice.
func (s *Service) Snapshot(ctx context.Context, actor Actor) (Snapshot, error) {
	last, err := s.store.LastEventID(ctx)
	if err != nil {
		return Snapshot{}, err
	}
	f := CaseFilter{OpenOrUpdatedSince: s.startOfToday(), Newest: true, Limit: MaxSnapshotCases}
	scope(actor, &f)
	page, err := s.store.ListCases(ctx, f)
	if err != nil {
		return Snapshot{}, err
	}
	snap := Snapshot{LastEventID: last, Cases: make([]CaseRow, len(page.Cases)), Truncated: page.Total > len(page.Cases)}
	for i, c := range page.Cases {
		snap.Cases[len(page.Cases)-1-i] = RowOf(actor, c) // oldest first
	}
	return snap, nil
}

// scope limits a filter to the cases the actor may see: a unit's members see their unit's.
func scope(actor Actor, f *CaseFilter) {
	if !actor.InCentre() && actor.Role != System {
		f.VisibleTo = actor.Unit
	}
}

// startOfToday is midnight of today in the calendar's zone.
func (s *Service) startOfToday() time.Time {
	y, m, d := s.Now().In(s.Calendar().Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, s.Calendar().Location())
}

// Nearby cases: what the operator checks before filing a report, to join it to an open case of
// the same problem instead (see duplicates.go).
const (
	NearbyRadius = DuplicateRadius
	NearbyWindow = DuplicateWindow
	maxNearby    = 50 // rows answered, nearest first
)

// NearbyRow is an open case near a point, with its exact distance.
type NearbyRow struct {
	CaseRow
	Distance float64 `json:"distance_m"` // great-circle metres, to the decimetre
	// Reporters counts the people who reported the problem: the first and every joined report.
	Reporters int `json:"reporters"`
}

// Nearby lists the open cases of the category that the actor may see, reported in the last
// NearbyWindow within NearbyRadius of p (WGS-84), nearest first.
func (s *Service) Nearby(ctx context.Context, actor Actor, p Point, category string) ([]NearbyRow, error) {
	found, err := s.duplicatesNear(ctx, actor, p, category)
	if err != nil {
		return nil, err
	}
	out := make([]NearbyRow, 0, min(len(found), maxNearby))
	for _, d := range found[:min(len(found), maxNearby)] {
		out = append(out, NearbyRow{CaseRow: RowOf(actor, d.c), Distance: d.distance, Reporters: d.c.ReporterCount()})
	}
	return out, nil
}

func (s *Service) knownCategory(code string) error {
	if code == "" {
		return FieldError("category", "请提供事件类别 category (category is required)")
	}
	if _, ok := s.Category(code); !ok {
		return FieldError("category", "未知的事件类别 %q (unknown category)", code)
	}
	return nil
}

// What the automatic policy would do with a report (RoutePreview.Outcome).
const (
	OutcomeDispatch = "dispatch" // registered and dispatched at once to the routed unit
	OutcomeTransfer = "transfer" // registered and transferred to the outside authority
	OutcomeCentre   = "centre"   // waits in the command centre (manual dispatch, or an inquiry)
)

// RoutePreview is the router's answer for a point and category and what filing the report would
// do, before anything is written.
type RoutePreview struct {
	Point    Point   `json:"point"` // WGS-84
	Routing  Routing `json:"routing"`
	UnitName string  `json:"unit_name"`
	Outcome  string  `json:"outcome"`
	Note     string  `json:"note"` // the outcome in one sentence (zh-CN)
}

// PreviewRoute asks the router who would own a report of the category (and nature, "" for a
// complaint) at p (WGS-84) and says what filing it would do. It writes nothing. A point outside
// the district is EOutside, as when filing.
func (s *Service) PreviewRoute(ctx context.Context, p Point, category, nature string) (RoutePreview, error) {
	if err := s.knownCategory(category); err != nil {
		return RoutePreview{}, err
	}
	if nature == "" {
		nature = "complaint"
	}
	if _, ok := s.nature(nature); !ok {
		return RoutePreview{}, FieldError("nature", "未知的诉求性质 %q (unknown nature)", nature)
	}
	if err := ValidatePoint(p); err != nil {
		return RoutePreview{}, err
	}
	r, err := s.Router().Route(ctx, p, category)
	if err != nil {
		return RoutePreview{}, err
	}
	pv := RoutePreview{Point: p, Routing: r}
	if u, ok := s.Unit(r.Unit); ok {
		pv.UnitName = u.DisplayName()
	}
	pv.Outcome, pv.Note = s.outcome(r, nature, pv.UnitName)
	return pv, nil
}

// outcome is what the automatic policy (submit.go, autoDispatch) would do with the report.
func (s *Service) outcome(r Routing, nature, unit string) (string, string) {
	switch {
	case nature == "inquiry":
		return OutcomeCentre, "咨询类诉求留在指挥中心，由受理员直接答复办结。"
	case !s.auto:
		return OutcomeCentre, "本中心为人工派遣：诉求留在指挥中心，待值班长立案、派遣员派遣（路由建议：" + unit + "）。"
	case r.Outcome == RouteToTransfer:
		return OutcomeTransfer, "提交后将自动立案并移交" + unit + "。"
	}
	return OutcomeDispatch, "提交后将自动立案并派遣至" + unit + "。"
}

// checkPhoneQuery checks a caller's number before it is searched for: a caller's history is
// only for the roles that see reporters' numbers in full (CanSeeContact), and the number must
// look like one.
func checkPhoneQuery(actor Actor, phone string) error {
	if !CanSeeContact(actor) {
		return &Error{Code: EForbidden, Field: "phone",
			Message: "只有受理员和值班长可以按来电号码查询案件 (only operators and shift leaders may look cases up by a caller's number)"}
	}
	if !utf8.ValidString(phone) || len(phone) > MaxPhoneRunes || strings.TrimFunc(phone, isPhoneRune) != "" {
		return FieldError("phone", "phone 须为电话号码：数字，可含 +、- 和空格，最多 %d 个字符 (phone must be a number: digits, +, - and spaces, at most %d characters)",
			MaxPhoneRunes, MaxPhoneRunes)
	}
	return nil
}

func isPhoneRune(r rune) bool { return r >= '0' && r <= '9' || r == '+' || r == '-' || r == ' ' }
