package dispatcher

import (
	"context"
	"sort"
	"time"
)

// MeasureQuery asks for the measures of one dimension over a period. Period "today", "week" (the
// ISO week: Monday to today), "month" or "year" (in the calendar's zone, up to today) fills From
// and To; otherwise both are YYYY-MM-DD days, inclusive. Compare "last_year" adds the same days
// one year earlier.
type MeasureQuery struct {
	Dim     string `json:"dim"`
	Period  string `json:"period,omitempty"`
	From    string `json:"from"`
	To      string `json:"to"`
	Compare string `json:"compare,omitempty"`
}

// CompareLastYear asks for the same days of the year before beside the period.
const CompareLastYear = "last_year"

// MeasureRow is one key of a dimension (a unit, a jurisdiction, ... or the district).
type MeasureRow struct {
	Key    string              `json:"key"`
	Name   string              `json:"name"` // the key's Chinese name, "全区" for the district
	Counts map[string]int64    `json:"counts"`
	Rates  map[string]*float64 `json:"rates"` // nil where the denominator is zero
}

// MeasureReport is what leaders watch.
type MeasureReport struct {
	Dim      string         `json:"dim"`
	From     string         `json:"from"`
	To       string         `json:"to"`
	Rows     []MeasureRow   `json:"rows"`
	Previous *MeasurePeriod `json:"previous,omitempty"` // with compare=last_year
	// LastEventID is the stream position read before the tallies: a cockpit that resumes the
	// stream from it and reloads on each event misses no change to the figures.
	LastEventID int64 `json:"last_event_id"`
	// Calls are the hotline's call counts of the period (the district's; for those who may read
	// the call log): calls, answered, abandoned and the average handling time.
	Calls *CallCounts `json:"calls,omitempty"`
}

// MeasurePeriod is the same measures over other days: the year before's, beside the period.
type MeasurePeriod struct {
	From string       `json:"from"`
	To   string       `json:"to"`
	Rows []MeasureRow `json:"rows"`
}

// Rate names and their definitions: these comments are the definitions (README repeats them, and
// the project's measures document is generated from them). Every rate is computed by Rates over the
// day counters of tally.go summed for a period, for one key of a dimension; it is null when its
// denominator is zero.
const (
	// RateClosure 办结率 closure rate: (closed + answered) / (received - rejected - voided): the
	// cases finished in the period over the problems received in it that needed handling. A report
	// merged into an earlier case is taken out of received by the merge (mergecount.go), so each
	// problem is counted once.
	RateClosure = "closure_rate"
	// RateOnTimeClose 按期结案率 on-time closure: closed on time / closed. A closure (check passed,
	// or an outside agency's reply recorded) is on time if the handling deadline, moved by
	// approved extensions and suspensions, had not passed.
	RateOnTimeClose = "on_time_closure"
	// RateOnTimeAck 及时签收率 on-time acknowledgement: acknowledged on time / acknowledgements
	// due. An acknowledgement falls due when the unit acknowledges a dispatch, on time or late, or
	// when the acknowledgement deadline passes with the dispatch unacknowledged; it is counted on
	// that day. A dispatch returned, reassigned or withdrawn before its acknowledgement deadline
	// never falls due and counts neither way.
	RateOnTimeAck = "on_time_ack"
	// RateRework 返工率 rework rate: reworks (a check failed) / closed.
	RateRework = "rework_rate"
	// RateReturn 回退率 return rate, the buck-passing measure: returns / dispatched, where
	// dispatched counts every hand-over to a unit (dispatch, arbitration ruling, reassignment,
	// rework).
	RateReturn = "return_rate"
	// RateExtension 延期率 extension rate: approved extensions / dispatched.
	RateExtension = "extension_rate"
	// RateSatisfied 满意率 satisfaction: (满意 + 基本满意) / followed up. A case counts once, with
	// the answer of its latest follow-up (回访, on a closed or answered case), on that follow-up's
	// day: a later follow-up takes the earlier answer out of the day and keys it was counted under.
	RateSatisfied = "satisfaction"
)

// Measures computes a report from the tallies; its cost does not grow with the number of cases.
func (s *Service) Measures(ctx context.Context, actor Actor, q MeasureQuery) (MeasureReport, error) {
	if err := s.normaliseQuery(&q, actor); err != nil {
		return MeasureReport{}, err
	}
	last, err := s.store.LastEventID(ctx)
	if err != nil {
		return MeasureReport{}, err
	}
	rows, err := s.measureRows(ctx, actor, q.Dim, q.From, q.To)
	if err != nil {
		return MeasureReport{}, err
	}
	rep := MeasureReport{Dim: q.Dim, From: q.From, To: q.To, Rows: rows, LastEventID: last}
	if q.Dim == DimAll && mayUseCalls(actor) == nil { // the district's calls: no unit or category has them
		if n, err := s.CallMeasures(ctx, actor, q.From, q.To); err == nil {
			rep.Calls = &n
		} else if ErrorCode(err) != EUnavailable { // a store without a call log has no calls to count
			return MeasureReport{}, err
		}
	}
	if q.Compare == CompareLastYear {
		from, to := LastYear(q.From), LastYear(q.To)
		prev, err := s.measureRows(ctx, actor, q.Dim, from, to)
		if err != nil {
			return MeasureReport{}, err
		}
		rep.Previous = &MeasurePeriod{From: from, To: to, Rows: prev}
	}
	return rep, nil
}

// measureRows sums one dimension's tallies over from..to into a row per key the actor may see,
// sorted by key. The gauges (overdue_open) are now's in both periods of a comparison: a gauge has
// no past.
func (s *Service) measureRows(ctx context.Context, actor Actor, dim, from, to string) ([]MeasureRow, error) {
	rows, err := s.store.Tallies(ctx, TallyQuery{Dim: dim, From: from, To: to})
	if err != nil {
		return nil, err
	}
	byKey := map[string]map[string]int64{}
	for _, r := range rows {
		if !actor.InCentre() && r.Key != actor.Unit {
			continue
		}
		if byKey[r.Key] == nil {
			byKey[r.Key] = map[string]int64{}
		}
		byKey[r.Key][r.Measure] += r.Count
	}
	out := []MeasureRow{}
	for key, counts := range byKey {
		out = append(out, MeasureRow{Key: key, Name: s.KeyName(dim, key), Counts: counts, Rates: Rates(counts)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// LastYear is the same day one year earlier; 29 February becomes the 28th. A day that does not
// parse comes back as it is (queries validate their days first).
func LastYear(day string) string {
	t, err := time.Parse(dayLayout, day)
	if err != nil {
		return day
	}
	y, m, d := t.Date()
	if m == time.February && d == 29 {
		d = 28
	}
	return time.Date(y-1, m, d, 0, 0, 0, 0, time.UTC).Format(dayLayout)
}

const dayLayout = "2006-01-02"

func (s *Service) normaliseQuery(q *MeasureQuery, actor Actor) error {
	if q.Dim == "" {
		q.Dim = DimAll
	}
	if !validDim(q.Dim) {
		return FieldError("dim", "未知的统计维度 %q (dim must be all, unit, jurisdiction, category or channel)", q.Dim)
	}
	if !actor.InCentre() && q.Dim != DimUnit {
		return Errorf(EForbidden, "单位人员只能查看本单位的统计 (unit members see their own unit's measures: dim=unit)")
	}
	if q.Compare != "" && q.Compare != CompareLastYear {
		return FieldError("compare", "compare 只能为 last_year (compare must be last_year)")
	}
	return s.periodRange(q.Period, &q.From, &q.To)
}

// periodRange fills from and to for a named period ending today in the calendar's zone, or
// checks the days given when there is none.
func (s *Service) periodRange(period string, from, to *string) error {
	today := s.Now().In(s.Calendar().Location())
	day := func(t time.Time) string { return t.Format(dayLayout) }
	switch period {
	case "today":
		*from = day(today)
	case "week": // ISO week: Monday is its first day
		*from = day(today.AddDate(0, 0, -((int(today.Weekday()) + 6) % 7)))
	case "month":
		*from = today.Format("2006-01") + "-01"
	case "year":
		*from = today.Format("2006") + "-01-01"
	case "":
		return validateRange(*from, *to)
	default:
		return FieldError("period", "period 须为 today、week、month 或 year (period must be today, week, month or year)")
	}
	*to = day(today)
	return nil
}

func validDim(d string) bool {
	for _, x := range Dims {
		if x == d {
			return true
		}
	}
	return false
}

func validateRange(from, to string) error {
	f, err1 := time.Parse("2006-01-02", from)
	t, err2 := time.Parse("2006-01-02", to)
	if err1 != nil || err2 != nil {
		return FieldError("from", "from 和 to 须为 YYYY-MM-DD 日期 (from and to must be YYYY-MM-DD)")
	}
	if t.Before(f) {
		return FieldError("to", "结束日期早于开始日期 (to is before from)")
	}
	return nil
}

// Rates turns counts into the leaders' rates.
func Rates(n map[string]int64) map[string]*float64 {
	return map[string]*float64{
		RateClosure:     ratio(n[MClosed]+n[MAnswered], n[MReceived]-n[MRejected]-n[MVoided]),
		RateOnTimeClose: ratio(n[MClosedOnTime], n[MClosed]),
		RateOnTimeAck:   ratio(n[MAckOnTime], n[MAckDue]),
		RateRework:      ratio(n[MReworks], n[MClosed]),
		RateReturn:      ratio(n[MReturns], n[MDispatched]),
		RateExtension:   ratio(n[MExtensions], n[MDispatched]),
		RateSatisfied:   ratio(n[MSatisfied], n[MFollowedUp]),
	}
}

func ratio(num, den int64) *float64 {
	if den <= 0 {
		return nil
	}
	r := float64(num) / float64(den)
	return &r
}
