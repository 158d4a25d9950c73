package dispatcher

import (
	"context"
	"sort"
	"time"
)

// The public display screen (电子显示屏) in the bureau's hall: the district's figures of today and
// this year, the channels, the categories, the cases just closed, the map and the last month.
// Everyone in the hall reads it, so it carries no personal data whatsoever: no names, phones,
// free text, addresses or exact positions; a case is its number, category, street and time, and
// a place is an H3 cell of about 5 km².

// ScreenReport is what the screen shows.
type ScreenReport struct {
	// LastEventID was read before the figures: the page opens its stream from it, and every
	// change after it rings.
	LastEventID  int64            `json:"last_event_id"`
	District     string           `json:"district"`
	Authority    string           `json:"authority"`
	GeneratedAt  time.Time        `json:"generated_at"`
	Today        ScreenCount      `json:"today"`
	Year         ScreenCount      `json:"year"`
	Channels     []ScreenChannel  `json:"channels"`
	Categories   []ScreenCategory `json:"categories"`
	RecentClosed []ScreenClosed   `json:"recent_closed"`
	Cells        ScreenCells      `json:"cells"`
	Daily        []ScreenDay      `json:"daily"`
}

// ScreenCount is the district's reports and closures of a period and its closure rate (Rates).
type ScreenCount struct {
	Received    int64    `json:"received"`
	Closed      int64    `json:"closed"`
	ClosureRate *float64 `json:"closure_rate"`
}

// ScreenChannel is the reports received through a channel today and this year.
type ScreenChannel struct {
	Channel string `json:"channel"`
	Name    string `json:"name"`
	Today   int64  `json:"today"`
	Year    int64  `json:"year"`
}

// ScreenCategory is the reports of a category today and this year.
type ScreenCategory struct {
	Category string `json:"category"`
	Name     string `json:"name"`
	Today    int64  `json:"today"`
	Year     int64  `json:"year"`
}

// ScreenClosed is a case just closed, as the public may see it.
type ScreenClosed struct {
	Number           string    `json:"number"`
	CategoryName     string    `json:"category_name"`
	JurisdictionName string    `json:"jurisdiction_name"`
	ClosedAt         time.Time `json:"closed_at"`
}

// ScreenCells is this year's reports per res-7 cell.
type ScreenCells struct {
	Res   int       `json:"res"`
	Cells []HotCell `json:"cells"`
}

// ScreenDay is one day of the last month.
type ScreenDay struct {
	Day      string `json:"day"`
	Received int64  `json:"received"`
	Closed   int64  `json:"closed"`
}

// Screen lengths.
const (
	screenCategories = 10
	screenClosed     = 20
	screenDays       = 30
)

// Screen computes the display screen's figures, from the tallies (and the last closed cases).
// It needs no actor: the caller has checked the display token or the session, and nothing in it
// is personal.
func (s *Service) Screen(ctx context.Context) (ScreenReport, error) {
	ref := s.Reference()
	today := s.Now().In(s.Calendar().Location())
	last, err := s.store.LastEventID(ctx)
	if err != nil {
		return ScreenReport{}, err
	}
	rep := ScreenReport{LastEventID: last, District: ref.District, Authority: ref.Authority, GeneratedAt: s.Now()}
	day, year := today.Format("2006-01-02"), today.Format("2006")+"-01-01"
	for _, part := range []func() error{
		func() (err error) { rep.Today, rep.Year, err = s.screenCounts(ctx, day, year); return },
		func() (err error) { rep.Channels, err = s.screenChannels(ctx, day, year); return },
		func() (err error) { rep.Categories, err = s.screenCategories(ctx, day, year); return },
		func() (err error) { rep.RecentClosed, err = s.recentClosed(ctx); return },
		func() (err error) { rep.Cells, err = s.screenCells(ctx, year, day); return },
		func() (err error) { rep.Daily, err = s.screenDaily(ctx, today); return },
	} {
		if err := part(); err != nil {
			return ScreenReport{}, err
		}
	}
	return rep, nil
}

// sums is one dimension's received and closed counts per key over from..to.
func (s *Service) sums(ctx context.Context, dim, from, to string) (map[string]map[string]int64, error) {
	rows, err := s.store.Tallies(ctx, TallyQuery{Dim: dim, From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int64{}
	for _, r := range rows {
		if out[r.Key] == nil {
			out[r.Key] = map[string]int64{}
		}
		out[r.Key][r.Measure] += r.Count
	}
	return out, nil
}

func (s *Service) screenCounts(ctx context.Context, day, year string) (ScreenCount, ScreenCount, error) {
	var out [2]ScreenCount
	for i, from := range []string{day, year} {
		all, err := s.sums(ctx, DimAll, from, day)
		if err != nil {
			return ScreenCount{}, ScreenCount{}, err
		}
		n := all[""]
		out[i] = ScreenCount{Received: n[MReceived], Closed: n[MClosed], ClosureRate: Rates(n)[RateClosure]}
	}
	return out[0], out[1], nil
}

// received is one dimension's received counts per key today and this year.
func (s *Service) received(ctx context.Context, dim, day, year string) (today, inYear map[string]int64, err error) {
	today, inYear = map[string]int64{}, map[string]int64{}
	for _, p := range []struct {
		from string
		into map[string]int64
	}{{day, today}, {year, inYear}} {
		sums, err := s.sums(ctx, dim, p.from, day)
		if err != nil {
			return nil, nil, err
		}
		for k, n := range sums {
			p.into[k] = n[MReceived]
		}
	}
	return today, inYear, nil
}

// screenChannels is every channel, in the order of Channels.
func (s *Service) screenChannels(ctx context.Context, day, year string) ([]ScreenChannel, error) {
	today, inYear, err := s.received(ctx, DimChannel, day, year)
	if err != nil {
		return nil, err
	}
	out := make([]ScreenChannel, len(Channels))
	for i, c := range Channels {
		out[i] = ScreenChannel{Channel: c, Name: ChannelLabel(c), Today: today[c], Year: inYear[c]}
	}
	return out, nil
}

// screenCategories is the ten categories with the most reports this year.
func (s *Service) screenCategories(ctx context.Context, day, year string) ([]ScreenCategory, error) {
	today, inYear, err := s.received(ctx, DimCategory, day, year)
	if err != nil {
		return nil, err
	}
	out := []ScreenCategory{}
	for code, n := range inYear {
		if cat, ok := s.Category(code); ok && n > 0 {
			out = append(out, ScreenCategory{Category: code, Name: cat.Name, Today: today[code], Year: n})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Year > out[j].Year || out[i].Year == out[j].Year && out[i].Category < out[j].Category
	})
	return out[:min(len(out), screenCategories)], nil
}

func (s *Service) screenCells(ctx context.Context, year, day string) (ScreenCells, error) {
	counts, err := s.cellCounts(ctx, HotspotQuery{Res: HotspotCoarse, From: year, To: day})
	if err != nil {
		return ScreenCells{}, err
	}
	out := ScreenCells{Res: HotspotCoarse, Cells: []HotCell{}}
	for cell, n := range counts {
		if hc, ok := hotCell(cell, n); ok {
			out.Cells = append(out.Cells, hc)
		}
	}
	sort.Slice(out.Cells, func(i, j int) bool { return out.Cells[i].Cell < out.Cells[j].Cell })
	return out, nil
}

// screenDaily is the district's received and closed counts of each of the last 30 days, oldest
// first: one tally read per day, each a few rows.
func (s *Service) screenDaily(ctx context.Context, today time.Time) ([]ScreenDay, error) {
	out := make([]ScreenDay, 0, screenDays)
	for i := screenDays - 1; i >= 0; i-- {
		day := today.AddDate(0, 0, -i).Format("2006-01-02")
		all, err := s.sums(ctx, DimAll, day, day)
		if err != nil {
			return nil, err
		}
		out = append(out, ScreenDay{Day: day, Received: all[""][MReceived], Closed: all[""][MClosed]})
	}
	return out, nil
}

// recentClosed is the last cases closed, newest first, from the tail of the event log: its
// closures (an event into closed from another state) carry the case's number, category and
// street. The tail read grows until it holds enough closures, within a bound, so the cost is a
// few thousand events by key whatever the number of cases. A case reopened since still shows
// its closure.
func (s *Service) recentClosed(ctx context.Context) ([]ScreenClosed, error) {
	last, err := s.store.LastEventID(ctx)
	if err != nil {
		return nil, err
	}
	var closures []*Event
	for _, back := range []int64{1000, 5000, 20000} {
		evs, err := s.store.EventsAfter(ctx, max(last-back, 0), int(back))
		if err != nil {
			return nil, err
		}
		closures = closuresIn(evs)
		if len(closures) >= screenClosed || back >= last {
			break
		}
	}
	sort.Slice(closures, func(i, j int) bool { return closures[i].At.After(closures[j].At) })
	out := make([]ScreenClosed, 0, screenClosed)
	for _, ev := range closures[:min(len(closures), screenClosed)] {
		cat, _ := s.Category(ev.Summary.Category)
		place, _ := s.Jurisdiction(ev.Summary.Jurisdiction)
		out = append(out, ScreenClosed{Number: ev.Summary.Number, CategoryName: cat.Name, JurisdictionName: place,
			ClosedAt: ev.At})
	}
	return out, nil
}

func closuresIn(evs []*Event) []*Event {
	var out []*Event
	for _, ev := range evs {
		if ev.To == Closed && ev.From != Closed && ev.Summary.Number != "" {
			out = append(out, ev)
		}
	}
	return out
}

// LastEventID is the id of the last event written: where the screen's stream starts.
func (s *Service) LastEventID(ctx context.Context) (int64, error) { return s.store.LastEventID(ctx) }
