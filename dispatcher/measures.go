package dispatcher

import (
	"context"
	"sort"
	"time"
)

// MeasureQuery asks for the measures of one dimension over a period. Period "today" or "month"
// (in the calendar's zone) fills From and To; otherwise both are YYYY-MM-DD days, inclusive.
type MeasureQuery struct {
	Dim    string `json:"dim"`
	Period string `json:"period,omitempty"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// MeasureRow is one key of a dimension (a unit, a jurisdiction, ... or the district).
type MeasureRow struct {
	Key    string              `json:"key"`
	Counts map[string]int64    `json:"counts"`
	Rates  map[string]*float64 `json:"rates"` // nil where the denominator is zero
}

// MeasureReport is what leaders watch.
type MeasureReport struct {
	Dim  string       `json:"dim"`
	From string       `json:"from"`
	To   string       `json:"to"`
	Rows []MeasureRow `json:"rows"`
}

// Rate names and their definitions: these comments are the definitions (README repeats them, and
// the project's measures document is generated from them). Every rate is computed by Rates over the
// day counters of tally.go summed for a period, for one key of a dimension; it is null when its
// denominator is zero.
const (
	// RateClosure 办结率 closure rate: (closed + answered) / (received - rejected - voided -
	// merged): the cases finished in the period over the reports received in it that needed
	// handling.
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
	rows, err := s.store.Tallies(ctx, TallyQuery{Dim: q.Dim, From: q.From, To: q.To})
	if err != nil {
		return MeasureReport{}, err
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
	rep := MeasureReport{Dim: q.Dim, From: q.From, To: q.To, Rows: []MeasureRow{}}
	for key, counts := range byKey {
		rep.Rows = append(rep.Rows, MeasureRow{Key: key, Counts: counts, Rates: Rates(counts)})
	}
	sort.Slice(rep.Rows, func(i, j int) bool { return rep.Rows[i].Key < rep.Rows[j].Key })
	return rep, nil
}

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
	today := s.Now().In(s.Calendar().Location())
	switch q.Period {
	case "today":
		q.From, q.To = today.Format("2006-01-02"), today.Format("2006-01-02")
	case "month":
		q.From, q.To = today.Format("2006-01")+"-01", today.Format("2006-01-02")
	case "":
	default:
		return FieldError("period", "period 须为 today 或 month (period must be today or month)")
	}
	return validateRange(q.From, q.To)
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
		RateClosure:     ratio(n[MClosed]+n[MAnswered], n[MReceived]-n[MRejected]-n[MVoided]-n[MMerged]),
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
