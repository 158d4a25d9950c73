package dispatcher

import (
	"context"
	"slices"
	"strings"
	"time"
)

// SeriesQuery asks for some measures of one dimension per day or per month of a period (as
// MeasureQuery names one).
type SeriesQuery struct {
	Dim      string   `json:"dim"`
	Interval string   `json:"interval"` // day or month
	Period   string   `json:"period,omitempty"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	Measures []string `json:"measures"` // default received and closed
}

// SeriesPoint is the counts of one key in one day (YYYY-MM-DD) or month (YYYY-MM).
type SeriesPoint struct {
	Period string           `json:"period"`
	Key    string           `json:"key"`
	Name   string           `json:"name"`
	Counts map[string]int64 `json:"counts"`
}

// Series is what the trend charts draw: the points sorted by period then key (a key with nothing
// to count in a period has no point), and the campaigns (专项整治) that overlap the range.
type Series struct {
	Dim       string        `json:"dim"`
	Interval  string        `json:"interval"`
	From      string        `json:"from"`
	To        string        `json:"to"`
	Measures  []string      `json:"measures"`
	Points    []SeriesPoint `json:"points"`
	Campaigns []Campaign    `json:"campaigns"`
}

// MaxSeriesDays bounds a daily series: a chart of more days than this is a monthly one.
const MaxSeriesDays = 400

// Counters lists the day counters a series may draw (every measure but the gauge).
var Counters = []string{MReceived, MReports, MRegistered, MDispatched, MAckDue, MAckOnTime, MAcknowledged,
	MAckSeconds, MResolved, MHandleSeconds, MChecked, MCheckSeconds, MClosed, MClosedOnTime,
	MAnswered, MRejected, MVoided, MMerged, MReworks, MReturns, MExtensions, MFollowedUp, MSatisfied}

// MeasureSeries reads a series from the tallies: its cost follows the days (or months) and keys
// drawn, not the number of cases.
func (s *Service) MeasureSeries(ctx context.Context, actor Actor, q SeriesQuery) (Series, error) {
	if err := s.normaliseSeries(&q, actor); err != nil {
		return Series{}, err
	}
	pts, err := s.store.TallySeries(ctx, TallySeriesQuery{Dim: q.Dim, From: q.From, To: q.To,
		Monthly: q.Interval == "month", Measures: q.Measures})
	if err != nil {
		return Series{}, err
	}
	out := Series{Dim: q.Dim, Interval: q.Interval, From: q.From, To: q.To, Measures: q.Measures,
		Points: []SeriesPoint{}, Campaigns: s.campaignsIn(q.From, q.To)}
	for _, p := range pts {
		if p.Count == 0 || !actor.InCentre() && p.Key != actor.Unit {
			continue
		}
		n := len(out.Points)
		if n == 0 || out.Points[n-1].Period != p.Period || out.Points[n-1].Key != p.Key {
			out.Points = append(out.Points, SeriesPoint{Period: p.Period, Key: p.Key,
				Name: s.KeyName(q.Dim, p.Key), Counts: map[string]int64{}})
			n++
		}
		out.Points[n-1].Counts[p.Measure] = p.Count
	}
	return out, nil
}

func (s *Service) normaliseSeries(q *SeriesQuery, actor Actor) error {
	mq := MeasureQuery{Dim: q.Dim, Period: q.Period, From: q.From, To: q.To}
	if err := s.normaliseQuery(&mq, actor); err != nil {
		return err
	}
	q.Dim, q.From, q.To = mq.Dim, mq.From, mq.To
	switch q.Interval {
	case "":
		q.Interval = "day"
	case "day", "month":
	default:
		return FieldError("interval", "interval 须为 day 或 month (interval must be day or month)")
	}
	if q.Interval == "day" {
		f, _ := time.Parse(dayLayout, q.From)
		t, _ := time.Parse(dayLayout, q.To)
		if days := int(t.Sub(f).Hours()/24) + 1; days > MaxSeriesDays {
			return FieldError("to", "按日统计最多 %d 天，所选 %d 天；请按月统计 (a daily series covers at most %d days, not %d: use interval=month)",
				MaxSeriesDays, days, MaxSeriesDays, days)
		}
	}
	if len(q.Measures) == 0 {
		q.Measures = []string{MReceived, MClosed}
	}
	for _, m := range q.Measures {
		if !slices.Contains(Counters, m) {
			return FieldError("measures", "未知的统计项 %q，可选：%s (unknown measure; one of %s)", m,
				strings.Join(Counters, ", "), strings.Join(Counters, ", "))
		}
	}
	return nil
}
