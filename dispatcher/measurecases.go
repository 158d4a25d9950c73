package dispatcher

import (
	"context"
	"slices"
	"strings"
	"time"
)

// MeasureCasesQuery asks for the cases behind one figure: a measure of one key of a dimension
// over a period (as MeasureQuery names it), a page at a time.
type MeasureCasesQuery struct {
	Measure string
	Dim     string
	Key     string
	Period  string
	From    string
	To      string
	Offset  int
	Limit   int // at most 100
}

// measureEvents are the events that count each measure, for the measures that events count.
// received (the case's creation) and overdue_open (a gauge: now) are found otherwise.
var measureEvents = map[string]EventMatch{
	MRegistered:   {Types: []string{"case.registered"}},
	MReports:      {Types: []string{"case.received", "case.joined"}},
	MDispatched:   {Types: []string{"case.dispatched", "case.arbitrated", "case.reassigned", "case.reworked"}},
	MClosed:       {Types: []string{"case.closed", "case.replied"}},
	MClosedOnTime: {Types: []string{"case.closed", "case.replied"}, Require: RequireOnTime},
	MAnswered:     {Types: []string{"case.answered"}},
	MRejected:     {Types: []string{"case.rejected"}},
	MVoided:       {Types: []string{"case.voided"}},
	MMerged:       {Types: []string{"case.merged"}},
	MReturns:      {Types: []string{"case.returned"}},
	MReworks:      {Types: []string{"case.reworked"}},
	MExtensions:   {Types: []string{"case.extension_approved"}},
	MFollowedUp:   {Types: []string{"case.followed_up"}, Latest: true},
	MSatisfied:    {Types: []string{"case.followed_up"}, Latest: true, Require: RequireSatisfied},
	MAcknowledged: {Types: []string{"case.acknowledged"}},
	MResolved:     {Types: []string{"case.resolved"}},
	MChecked:      {Types: []string{"case.closed", "case.reworked"}},
}

// MeasureCases lists the cases behind a figure of the measures, newest first, masked for the
// actor. It answers from the cases and their events (an index on events by type and time), not
// from the tallies, so it can differ from the figure where the tally keeps what the case no
// longer shows:
//
//   - a unit is the one the event names (a dispatch's, a return's, a rework's) or else the case's
//     unit after the event, as the tally counted it; but a report counted as received under its
//     routed unit is listed under every unit that has owned it (the routed unit is the first
//     owner unless a dispatcher sent it elsewhere), and a registration under the unit the same
//     write dispatched it to;
//   - the other keys are the case's current ones: its category now (a registration may have
//     changed it), its jurisdiction and channel;
//   - a case counted more than once in the period (dispatched twice, returned twice) is listed
//     once;
//   - closed_on_time finds the closures whose event says on_time, which closures written before
//     this list existed do not say;
//   - followed_up and satisfied take each case's latest follow-up, as the tally does, but a case
//     followed up before the hub kept one answer per case may be counted twice there.
func (s *Service) MeasureCases(ctx context.Context, actor Actor, q MeasureCasesQuery) (CasePage, error) {
	mq := MeasureQuery{Dim: q.Dim, Period: q.Period, From: q.From, To: q.To}
	if err := s.normaliseQuery(&mq, actor); err != nil {
		return CasePage{}, err
	}
	if !actor.InCentre() && q.Key != actor.Unit {
		return CasePage{}, Errorf(EForbidden, "单位人员只能查看本单位的统计 (unit members see their own unit's measures)")
	}
	f, err := s.measureFilter(q.Measure, mq)
	if err != nil {
		return CasePage{}, err
	}
	if err := keyFilter(&f, mq.Dim, q.Key); err != nil {
		return CasePage{}, err
	}
	switch {
	case f.Unit == "":
	case f.Event != nil: // the unit of the event, not of the case now
		f.Event.Unit, f.Unit = f.Unit, ""
	case q.Measure == MReceived: // the routed unit, which the first dispatch goes to
		f.VisibleTo, f.Unit = f.Unit, ""
	}
	f.Newest, f.Offset, f.Limit = true, max(q.Offset, 0), q.Limit
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 100
	}
	return s.Cases(ctx, actor, f)
}

// measureFilter is the case filter of a measure over the days of mq, from midnight of From to
// midnight after To in the calendar's zone.
func (s *Service) measureFilter(measure string, mq MeasureQuery) (CaseFilter, error) {
	loc := s.Calendar().Location()
	from, _ := time.ParseInLocation(dayLayout, mq.From, loc)
	to, _ := time.ParseInLocation(dayLayout, mq.To, loc)
	to = to.AddDate(0, 0, 1)
	switch measure {
	case MReceived: // a merged case was taken out of received (mergecount.go)
		return CaseFilter{CreatedFrom: from, CreatedTo: to, ExceptStates: []State{Merged}}, nil
	case MOverdueOpen:
		yes := true
		return CaseFilter{Open: &yes, Overdue: &yes}, nil
	}
	m, ok := measureEvents[measure]
	if !ok {
		names := append([]string{MReceived, MOverdueOpen}, mapKeys(measureEvents)...)
		return CaseFilter{}, FieldError("measure", "未知的统计项 %q，可选：%s (unknown measure)", measure, strings.Join(names, ", "))
	}
	m.Types = slices.Clone(m.Types)
	m.From, m.To = from.UTC(), to.UTC()
	f := CaseFilter{Event: &m}
	if measure == MRegistered { // a merged case was taken out of registered (mergecount.go)
		f.ExceptStates = []State{Merged}
	}
	return f, nil
}

// keyFilter narrows f to the cases whose current key of dim is key.
func keyFilter(f *CaseFilter, dim, key string) error {
	if dim != DimAll && key == "" {
		return FieldError("key", "请指定 key：%s 的代码 (key is required with dim=%s)", dim, dim)
	}
	switch dim {
	case DimUnit:
		f.Unit = key
	case DimJurisdiction:
		f.Jurisdiction = key
	case DimCategory:
		f.Category = key
	case DimChannel:
		f.Channel = key
	}
	return nil
}

func mapKeys(m map[string]EventMatch) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
