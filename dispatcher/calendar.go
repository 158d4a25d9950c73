package dispatcher

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Calendar counts time limits against the bureau's work calendar: the daily work windows on
// working days, in one time zone. A working day is Monday to Friday unless the calendar lists it
// as a holiday, plus any Saturday or Sunday it lists as a make-up working day (调休); a year the
// calendar does not list follows the plain Monday-to-Friday week.
//
// A Calendar is immutable after NewCalendar and safe for concurrent use. Every time it returns is
// in its Location. Loops step by day, never by minute, so a limit of many days or a suspension of a
// year costs microseconds. Whole working days in the middle of a span count as the nominal length
// of the windows; the zone's clock is assumed not to jump inside a window (true of Asia/Shanghai).
type Calendar struct {
	loc      *time.Location
	windows  []calWindow   // sorted, disjoint
	daily    time.Duration // working time of one working day
	override map[int]bool  // day number -> is a working day, for listed holidays and make-up days
}

// calWindow is one daily work window, in minutes after midnight: [start, end).
type calWindow struct{ start, end int }

// NewCalendar checks cfg and builds its Calendar. It refuses an unknown or empty time zone, a work
// hour that is not HH:MM, windows that are empty, unsorted or overlapping, a year that is not
// YYYY, a date that is not a real YYYY-MM-DD of its year, a reversed holiday range, and a make-up
// working day that is not a Saturday or Sunday or that falls inside a holiday.
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	if cfg.Timezone == "" {
		return nil, fmt.Errorf("calendar: no timezone")
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("calendar: bad timezone %q: %w", cfg.Timezone, err)
	}
	c := &Calendar{loc: loc, override: map[int]bool{}}
	if c.windows, err = parseCalWindows(cfg.WorkHours); err != nil {
		return nil, err
	}
	for _, w := range c.windows {
		c.daily += time.Duration(w.end-w.start) * time.Minute
	}
	for _, key := range slices.Sorted(maps.Keys(cfg.Years)) {
		if err := c.addYear(key, cfg.Years[key]); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// parseCalWindows parses the work windows and checks they are sorted and disjoint.
func parseCalWindows(spec [][2]string) ([]calWindow, error) {
	if len(spec) == 0 {
		return nil, fmt.Errorf("calendar: no work_hours")
	}
	out := make([]calWindow, 0, len(spec))
	for i, s := range spec {
		start, err1 := parseCalClock(s[0])
		end, err2 := parseCalClock(s[1])
		switch {
		case err1 != nil || err2 != nil:
			return nil, fmt.Errorf("calendar: work_hours[%d] %q-%q: want HH:MM", i, s[0], s[1])
		case start >= end:
			return nil, fmt.Errorf("calendar: work_hours[%d] %s-%s: start not before end", i, s[0], s[1])
		case i > 0 && start < out[i-1].end:
			return nil, fmt.Errorf("calendar: work_hours[%d] %s-%s: overlaps or precedes the window before it", i, s[0], s[1])
		}
		out = append(out, calWindow{start, end})
	}
	return out, nil
}

// parseCalClock parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func parseCalClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !calDigits(s[:2]) || !calDigits(s[3:]) {
		return 0, fmt.Errorf("bad time %q", s)
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if h > 24 || m > 59 || h == 24 && m != 0 {
		return 0, fmt.Errorf("bad time %q", s)
	}
	return h*60 + m, nil
}

func calDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// addYear records one listed year's holidays and make-up working days.
func (c *Calendar) addYear(key string, y CalendarYear) error {
	year, err := strconv.Atoi(key)
	if err != nil || len(key) != 4 {
		return fmt.Errorf("calendar: bad year %q, want YYYY", key)
	}
	for _, r := range y.Holidays {
		from, err1 := parseCalDate(r[0], year)
		to, err2 := parseCalDate(r[1], year)
		if err := cmp.Or(err1, err2); err != nil {
			return fmt.Errorf("calendar: %s holiday %s..%s: %w", key, r[0], r[1], err)
		}
		if to < from {
			return fmt.Errorf("calendar: %s holiday %s..%s: range ends before it starts", key, r[0], r[1])
		}
		for n := from; n <= to; n++ {
			c.override[n] = false
		}
	}
	for _, s := range y.Workdays {
		if err := c.addMakeUp(s, year); err != nil {
			return fmt.Errorf("calendar: %s workday %s: %w", key, s, err)
		}
	}
	return nil
}

// addMakeUp records a make-up working day; call it after the year's holidays are recorded.
func (c *Calendar) addMakeUp(s string, year int) error {
	n, err := parseCalDate(s, year)
	switch {
	case err != nil:
		return err
	case calWeekday(n) != time.Saturday && calWeekday(n) != time.Sunday:
		return fmt.Errorf("a make-up working day must be a Saturday or Sunday, not a %s", calWeekday(n))
	}
	if work, listed := c.override[n]; listed && !work {
		return fmt.Errorf("the date is also a holiday")
	}
	c.override[n] = true
	return nil
}

// parseCalDate parses a YYYY-MM-DD date of the given year into its day number.
func parseCalDate(s string, year int) (int, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, fmt.Errorf("bad date %q, want YYYY-MM-DD", s)
	}
	if t.Year() != year {
		return 0, fmt.Errorf("date %s is not in %d", s, year)
	}
	return calDayNumber(t.Date()), nil
}

// calDayNumber counts the days from 1970-01-01 to a civil date.
func calDayNumber(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// calWeekday is the weekday of a day number (1970-01-01 was a Thursday).
func calWeekday(n int) time.Weekday { return time.Weekday(((n+4)%7 + 7) % 7) }

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkday reports whether the calendar date of t, in the calendar's zone, is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool { return c.isWork(c.day(t)) }

func (c *Calendar) isWork(n int) bool {
	if v, ok := c.override[n]; ok {
		return v
	}
	wd := calWeekday(n)
	return wd != time.Saturday && wd != time.Sunday
}

// day is the day number of t's date in the calendar's zone.
func (c *Calendar) day(t time.Time) int { return calDayNumber(t.In(c.loc).Date()) }

// at is the instant min minutes after midnight (wall clock) on day n.
func (c *Calendar) at(n, min int) time.Time {
	y, m, d := time.Unix(int64(n)*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, min, 0, 0, c.loc)
}

// Deadline is when a limit started at start runs out:
//   - natural_minute, natural_hour: start plus the wall time;
//   - work_hour: AddWork of the hours, so a start outside working time counts from the next
//     window and a deadline on a window's end stays there;
//   - work_day: the end of the last window of the Nth working day after start's date (the
//     starting day never counts).
//
// An invalid limit (Limit.Valid false) cannot be counted: Deadline returns start, and the caller
// is expected to have validated the limit (Reference.Validate does for the catalogue).
func (c *Calendar) Deadline(start time.Time, l Limit) time.Time {
	if !l.Valid() {
		return start.In(c.loc)
	}
	switch l.Unit {
	case NaturalMinute:
		return start.Add(time.Duration(l.Value) * time.Minute).In(c.loc)
	case NaturalHour:
		return start.Add(time.Duration(l.Value) * time.Hour).In(c.loc)
	case WorkHour:
		return c.AddWork(start, time.Duration(l.Value)*time.Hour)
	}
	return c.at(c.nthWorkday(c.day(start), l.Value), c.windows[len(c.windows)-1].end)
}

// nthWorkday is the day number of the nth working day after day n.
func (c *Calendar) nthWorkday(n, nth int) int {
	for nth > 0 {
		n++
		if c.isWork(n) {
			nth--
		}
	}
	return n
}

// WarnAt is when a limit started at start reaches 80%, measured in the limit's own unit: 80% of
// the wall time for natural units, 80% of the working time from start to the deadline for
// work_hour, and for work_day 80% of the working time from the opening of the first counted working
// day to the deadline, counted from that opening. An invalid limit gives start, as Deadline does.
func (c *Calendar) WarnAt(start time.Time, l Limit) time.Time {
	deadline := c.Deadline(start, l)
	switch {
	case !l.Valid():
		return deadline
	case l.Unit == NaturalMinute || l.Unit == NaturalHour:
		return start.Add(deadline.Sub(start) * 4 / 5).In(c.loc)
	case l.Unit == WorkDay:
		start = c.at(c.nthWorkday(c.day(start), 1), c.windows[0].start)
	}
	return c.AddWork(start, c.WorkBetween(start, deadline)*4/5)
}

// WorkBetween is the working time in [a, b); 0 if b is not after a.
func (c *Calendar) WorkBetween(a, b time.Time) time.Duration {
	if !b.After(a) {
		return 0
	}
	na, nb := c.day(a), c.day(b)
	w := c.workOn(na, a, b)
	if nb > na {
		w += c.workOn(nb, a, b) + time.Duration(c.countWorkdays(na+1, nb))*c.daily
	}
	return w
}

// workOn is the working time of day n that lies in [a, b).
func (c *Calendar) workOn(n int, a, b time.Time) time.Duration {
	if !c.isWork(n) {
		return 0
	}
	var w time.Duration
	for _, win := range c.windows {
		s, e := c.at(n, win.start), c.at(n, win.end)
		if s.Before(a) {
			s = a
		}
		if e.After(b) {
			e = b
		}
		if e.After(s) {
			w += e.Sub(s)
		}
	}
	return w
}

// countWorkdays counts the working days among day numbers [from, to).
func (c *Calendar) countWorkdays(from, to int) int {
	k := 0
	for n := from; n < to; n++ {
		if c.isWork(n) {
			k++
		}
	}
	return k
}

// AddWork is the earliest instant t with WorkBetween(start, t) == d: counting starts at start, or
// when the next window opens if start is outside working time, and a result that falls on a
// window's end stays there. AddWork(t, 0) is t; a negative d counts as 0.
func (c *Calendar) AddWork(start time.Time, d time.Duration) time.Time {
	start = start.In(c.loc)
	if d <= 0 {
		return start
	}
	first := c.day(start)
	for n := first; ; n++ {
		if !c.isWork(n) {
			continue
		}
		if n > first && d > c.daily {
			d -= c.daily
			continue
		}
		var t time.Time
		if t, d = c.spend(n, start, d); d == 0 {
			return t
		}
	}
}

// spend walks the windows of day n from start on, spending d of working time. It returns the
// instant d runs out and 0, or the zero time and what is left of d at the end of the day.
func (c *Calendar) spend(n int, start time.Time, d time.Duration) (time.Time, time.Duration) {
	for _, win := range c.windows {
		s, e := c.at(n, win.start), c.at(n, win.end)
		if s.Before(start) {
			s = start
		}
		if !s.Before(e) {
			continue
		}
		if avail := e.Sub(s); d > avail {
			d -= avail
			continue
		}
		return s.Add(d), 0
	}
	return time.Time{}, d
}

// Span is how much time a limit counts in its own measure: wall time for natural units, working time
// for work units, a work_day being the working time of one full working day. It is 0 for an unknown
// unit and does not check the value (callers bound it).
func (c *Calendar) Span(l Limit) time.Duration {
	switch l.Unit {
	case NaturalMinute:
		return time.Duration(l.Value) * time.Minute
	case NaturalHour, WorkHour:
		return time.Duration(l.Value) * time.Hour
	case WorkDay:
		return time.Duration(l.Value) * c.daily
	}
	return 0
}

// Extend is the deadline after an extension of l: l's Span counted on from the deadline, in l's
// own measure, so that the time a clock counts grows by exactly the extension. From a deadline at
// the close of a working day (where Deadline puts a work_day deadline) it equals Deadline(deadline,
// l); from a deadline a suspension moved into the middle of a day, a work_day extension adds that
// many full days of working time. An invalid limit leaves the deadline where it is.
func (c *Calendar) Extend(deadline time.Time, l Limit) time.Time {
	switch {
	case !l.Valid():
		return deadline.In(c.loc)
	case isNatural(l):
		return deadline.Add(c.Span(l)).In(c.loc)
	}
	return c.AddWork(deadline, c.Span(l))
}

// Shift is the deadline of a clock after a suspension over [from, to): the suspended span does not
// count, so the deadline moves later by the span's working time for work units (work_day too: the
// result need not be a window's end) and by its wall time for natural units. An empty span or an
// invalid limit leaves the deadline where it is. Extensions are not Shift's business: the new
// deadline of an extension is Extend(oldDeadline, extra).
func (c *Calendar) Shift(deadline time.Time, l Limit, from, to time.Time) time.Time {
	switch {
	case !l.Valid() || !to.After(from):
		return deadline.In(c.loc)
	case l.Unit == NaturalMinute || l.Unit == NaturalHour:
		return deadline.Add(to.Sub(from)).In(c.loc)
	}
	return c.AddWork(deadline, c.WorkBetween(from, to))
}
