package dispatcher

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the machine's zoneinfo
)

// testCalendar is the Calendar of the real 2026 calendar.json.
func testCalendar(t testing.TB) *Calendar {
	t.Helper()
	b, err := os.ReadFile("../refdata/qijiang/calendar.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg CalendarConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	c, err := NewCalendar(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at parses "2006-01-02 15:04" in Asia/Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCalendarIsWorkday(t *testing.T) {
	c := testCalendar(t)
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2025-12-31 10:00", true},  // Wednesday, 2025 not listed
		{"2026-01-01 10:00", false}, // New Year holiday (Thursday)
		{"2026-01-02 10:00", false}, // holiday (Friday)
		{"2026-01-03 10:00", false}, // holiday (Saturday)
		{"2026-01-04 10:00", true},  // make-up Sunday
		{"2026-01-04 23:59", true},  // the date counts, not the hour
		{"2026-01-05 00:00", true},  // Monday
		{"2026-01-10 10:00", false}, // plain Saturday
		{"2026-01-11 10:00", false}, // plain Sunday
		{"2026-02-13 10:00", true},  // Friday before the Spring Festival
		{"2026-02-14 10:00", true},  // make-up Saturday
		{"2026-02-15 10:00", false}, // Spring Festival holiday starts
		{"2026-02-18 10:00", false}, // Wednesday inside the holiday
		{"2026-02-23 10:00", false}, // last holiday day (Monday)
		{"2026-02-24 10:00", true},  // Tuesday back at work
		{"2026-02-28 10:00", true},  // make-up Saturday
		{"2026-03-01 10:00", false}, // plain Sunday
		{"2026-10-07 10:00", false}, // National Day holiday (Wednesday)
		{"2026-10-10 10:00", true},  // make-up Saturday
		{"2027-01-01 10:00", true},  // Friday, 2027 not listed: plain week
		{"2027-01-02 10:00", false}, // Saturday, 2027 not listed
		{"2027-02-08 10:00", true},  // Monday, 2027 not listed
	} {
		if got := c.IsWorkday(at(t, tc.day)); got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tc.day, got, tc.want)
		}
	}
	// The date is read in the calendar's zone: 2026-01-03 20:00 UTC is 2026-01-04 04:00 in Shanghai.
	if !c.IsWorkday(time.Date(2026, 1, 3, 20, 0, 0, 0, time.UTC)) {
		t.Error("IsWorkday read the date in UTC, not in the calendar's zone")
	}
}

func TestCalendarDeadline(t *testing.T) {
	c := testCalendar(t)
	for _, tc := range []struct {
		name, start string
		limit       Limit
		want        string
	}{
		{"weekend", "2026-03-06 17:00", Limit{2, WorkHour}, "2026-03-09 10:00"},
		{"lunch break", "2026-03-10 11:00", Limit{2, WorkHour}, "2026-03-10 15:00"},
		{"ends at lunch", "2026-03-10 11:00", Limit{1, WorkHour}, "2026-03-10 12:00"},
		{"start at lunch", "2026-03-10 12:30", Limit{1, WorkHour}, "2026-03-10 15:00"},
		{"ends at close", "2026-03-10 16:00", Limit{2, WorkHour}, "2026-03-10 18:00"},
		{"full day", "2026-03-10 09:00", Limit{7, WorkHour}, "2026-03-10 18:00"},
		{"start at close", "2026-03-10 18:00", Limit{1, WorkHour}, "2026-03-11 10:00"},
		{"night", "2026-03-10 20:00", Limit{2, WorkHour}, "2026-03-11 11:00"},
		{"early morning", "2026-03-11 03:00", Limit{1, WorkHour}, "2026-03-11 10:00"},
		{"sunday", "2026-03-08 10:00", Limit{1, WorkHour}, "2026-03-09 10:00"},
		{"many days", "2026-03-09 09:00", Limit{36, WorkHour}, "2026-03-16 10:00"},
		{"festival work_hour", "2026-02-14 17:00", Limit{2, WorkHour}, "2026-02-24 10:00"},
		{"festival make-up day fills", "2026-02-13 17:00", Limit{8, WorkHour}, "2026-02-14 18:00"},
		{"festival from friday", "2026-02-13 17:00", Limit{9, WorkHour}, "2026-02-24 10:00"},
		{"new year make-up sunday", "2025-12-31 16:00", Limit{3, WorkHour}, "2026-01-04 10:00"},
		{"work_day festival eve", "2026-02-13 10:00", Limit{1, WorkDay}, "2026-02-14 18:00"},
		{"work_day make-up saturday", "2026-02-14 10:00", Limit{1, WorkDay}, "2026-02-24 18:00"},
		{"work_day starting day never counts", "2026-02-14 01:00", Limit{1, WorkDay}, "2026-02-24 18:00"},
		{"work_day from holiday", "2026-02-18 10:00", Limit{2, WorkDay}, "2026-02-25 18:00"},
		{"work_day new year", "2025-12-31 10:00", Limit{1, WorkDay}, "2026-01-04 18:00"},
		{"work_day friday", "2026-03-06 08:00", Limit{1, WorkDay}, "2026-03-09 18:00"},
		{"work_day national day", "2026-09-30 10:00", Limit{1, WorkDay}, "2026-10-08 18:00"},
		{"work_day 30", "2026-03-02 10:00", Limit{30, WorkDay}, "2026-04-14 18:00"},
		{"natural_hour midnight", "2026-03-10 22:30", Limit{3, NaturalHour}, "2026-03-11 01:30"},
		{"natural_hour holiday", "2026-02-15 10:00", Limit{24, NaturalHour}, "2026-02-16 10:00"},
		{"natural_minute midnight", "2026-03-10 23:50", Limit{20, NaturalMinute}, "2026-03-11 00:10"},
		{"natural_minute year end", "2026-12-31 23:45", Limit{30, NaturalMinute}, "2027-01-01 00:15"},
		{"2027 weekend", "2027-01-08 17:00", Limit{2, WorkHour}, "2027-01-11 10:00"},
		{"2027 work_day", "2027-01-01 10:00", Limit{1, WorkDay}, "2027-01-04 18:00"},
		{"year end into 2027", "2026-12-31 17:00", Limit{2, WorkHour}, "2027-01-01 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Deadline(at(t, tc.start), tc.limit)
			if want := at(t, tc.want); !got.Equal(want) {
				t.Errorf("Deadline(%s, %v) = %s, want %s", tc.start, tc.limit, got, want)
			}
			if got.Location() != c.Location() {
				t.Errorf("Deadline in %v, want %v", got.Location(), c.Location())
			}
		})
	}
}

func TestCalendarInvalidLimit(t *testing.T) {
	c := testCalendar(t)
	start := at(t, "2026-03-10 10:00")
	for _, l := range []Limit{{0, WorkHour}, {-3, WorkDay}, {0, NaturalMinute}, {5, "fortnight"}, {}} {
		if l.Valid() {
			t.Fatalf("%v should be invalid", l)
		}
		if got := c.Deadline(start, l); !got.Equal(start) {
			t.Errorf("Deadline(%v) = %s, want start", l, got)
		}
		if got := c.WarnAt(start, l); !got.Equal(start) {
			t.Errorf("WarnAt(%v) = %s, want start", l, got)
		}
		dl := at(t, "2026-03-12 10:00")
		if got := c.Shift(dl, l, start, dl); !got.Equal(dl) {
			t.Errorf("Shift(%v) = %s, want the deadline unchanged", l, got)
		}
	}
}

func TestCalendarWarnAt(t *testing.T) {
	c := testCalendar(t)
	for _, tc := range []struct {
		name, start string
		limit       Limit
		want        string
	}{
		{"natural_hour", "2026-03-10 08:00", Limit{10, NaturalHour}, "2026-03-10 16:00"},
		{"natural_hour midnight", "2026-03-10 22:00", Limit{5, NaturalHour}, "2026-03-11 02:00"},
		{"natural_minute", "2026-03-10 10:00", Limit{30, NaturalMinute}, "2026-03-10 10:24"},
		{"work_hour weekend", "2026-03-06 17:00", Limit{2, WorkHour}, "2026-03-09 09:36"},
		{"work_hour lunch", "2026-03-10 09:00", Limit{5, WorkHour}, "2026-03-10 15:00"},
		{"work_hour ends at noon", "2026-03-10 17:00", Limit{5, WorkHour}, "2026-03-11 12:00"},
		{"work_hour at night", "2026-03-10 21:00", Limit{1, WorkHour}, "2026-03-11 09:48"},
		{"work_day 1 festival eve", "2026-02-13 10:00", Limit{1, WorkDay}, "2026-02-14 16:36"},
		{"work_day 2 over festival", "2026-02-14 10:00", Limit{2, WorkDay}, "2026-02-25 15:12"},
		{"work_day 5", "2026-03-06 11:00", Limit{5, WorkDay}, "2026-03-12 18:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.WarnAt(at(t, tc.start), tc.limit)
			if want := at(t, tc.want); !got.Equal(want) {
				t.Errorf("WarnAt(%s, %v) = %s, want %s", tc.start, tc.limit, got, want)
			}
			if dl := c.Deadline(at(t, tc.start), tc.limit); !got.Before(dl) {
				t.Errorf("WarnAt %s not before the deadline %s", got, dl)
			}
		})
	}
}

func TestCalendarShift(t *testing.T) {
	c := testCalendar(t)
	for _, tc := range []struct {
		name, deadline string
		limit          Limit
		from, to       string
		want           string
	}{
		{"work_hour over a weekend", "2026-03-09 11:00", Limit{8, WorkHour},
			"2026-03-06 17:00", "2026-03-09 09:00", "2026-03-09 12:00"},
		{"work_hour weekend only", "2026-03-09 11:00", Limit{8, WorkHour},
			"2026-03-07 10:00", "2026-03-08 20:00", "2026-03-09 11:00"},
		{"work_hour part of a day", "2026-03-11 17:00", Limit{8, WorkHour},
			"2026-03-10 10:00", "2026-03-10 15:00", "2026-03-12 11:00"},
		{"work_hour over the festival", "2026-02-24 10:00", Limit{2, WorkHour},
			"2026-02-14 17:30", "2026-02-24 09:30", "2026-02-24 11:00"},
		{"work_hour lunch only", "2026-03-10 16:00", Limit{3, WorkHour},
			"2026-03-10 12:00", "2026-03-10 14:00", "2026-03-10 16:00"},
		{"work_day by working time", "2026-03-06 18:00", Limit{1, WorkDay},
			"2026-03-05 09:00", "2026-03-05 12:00", "2026-03-09 12:00"},
		{"natural_hour wall time", "2026-03-10 20:00", Limit{72, NaturalHour},
			"2026-03-07 10:00", "2026-03-07 22:30", "2026-03-11 08:30"},
		{"natural_minute wall time", "2026-03-10 10:30", Limit{30, NaturalMinute},
			"2026-03-10 10:10", "2026-03-10 10:25", "2026-03-10 10:45"},
		{"empty span", "2026-03-10 16:00", Limit{3, WorkHour},
			"2026-03-10 15:00", "2026-03-10 15:00", "2026-03-10 16:00"},
		{"reversed span", "2026-03-10 16:00", Limit{3, NaturalHour},
			"2026-03-10 15:00", "2026-03-10 14:00", "2026-03-10 16:00"},
		{"a year", "2026-01-05 10:00", Limit{1, WorkHour},
			"2026-01-05 09:00", "2027-01-05 09:00", "2027-01-05 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Shift(at(t, tc.deadline), tc.limit, at(t, tc.from), at(t, tc.to))
			if want := at(t, tc.want); !got.Equal(want) {
				t.Errorf("Shift = %s, want %s", got, want)
			}
		})
	}
}

// TestCalendarShiftKeepsLimit checks that after a suspension inside a work_hour clock, the working
// time from start to the new deadline, less the suspended working time, is still the limit.
func TestCalendarShiftKeepsLimit(t *testing.T) {
	c := testCalendar(t)
	start := at(t, "2026-03-06 10:00")
	l := Limit{8, WorkHour}
	dl := c.Deadline(start, l)
	from, to := at(t, "2026-03-06 17:00"), at(t, "2026-03-09 09:00")
	shifted := c.Shift(dl, l, from, to)
	if got := c.WorkBetween(start, shifted) - c.WorkBetween(from, to); got != 8*time.Hour {
		t.Errorf("counted %s after the suspension, want 8h", got)
	}
}

func TestCalendarExtension(t *testing.T) {
	c := testCalendar(t)
	dl := c.Deadline(at(t, "2026-02-12 10:00"), Limit{1, WorkDay}) // 2026-02-13 18:00
	if got, want := c.Deadline(dl, Limit{2, WorkDay}), at(t, "2026-02-24 18:00"); !got.Equal(want) {
		t.Errorf("extended deadline %s, want %s", got, want)
	}
}

func TestCalendarWorkBetween(t *testing.T) {
	c := testCalendar(t)
	for _, tc := range []struct {
		a, b string
		want time.Duration
	}{
		{"2026-03-10 09:00", "2026-03-10 18:00", 7 * time.Hour},
		{"2026-03-10 11:00", "2026-03-10 15:00", 2 * time.Hour},
		{"2026-03-10 12:00", "2026-03-10 14:00", 0},
		{"2026-03-10 18:00", "2026-03-10 09:00", 0},
		{"2026-03-06 17:00", "2026-03-09 10:00", 2 * time.Hour},
		{"2026-02-13 00:00", "2026-02-25 00:00", 21 * time.Hour}, // 13th, make-up 14th, 24th
		{"2026-01-01 00:00", "2027-01-01 00:00", 248 * 7 * time.Hour},
	} {
		if got := c.WorkBetween(at(t, tc.a), at(t, tc.b)); got != tc.want {
			t.Errorf("WorkBetween(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCalendarWorkBetweenBruteForce compares WorkBetween with a minute-by-minute count.
func TestCalendarWorkBetweenBruteForce(t *testing.T) {
	c := testCalendar(t)
	r := rand.New(rand.NewPCG(7, 2026))
	base := at(t, "2025-12-25 00:00")
	for range 40 {
		a := base.Add(time.Duration(r.IntN(380*24*60)) * time.Minute)
		b := a.Add(time.Duration(r.IntN(6*24*60)) * time.Minute)
		var want time.Duration
		for m := a; m.Before(b); m = m.Add(time.Minute) {
			hm := m.Hour()*60 + m.Minute()
			if c.IsWorkday(m) && (hm >= 9*60 && hm < 12*60 || hm >= 14*60 && hm < 18*60) {
				want += time.Minute
			}
		}
		if got := c.WorkBetween(a, b); got != want {
			t.Fatalf("WorkBetween(%s, %s) = %s, minute count %s", a, b, got, want)
		}
	}
}

// TestCalendarAddWorkInverse checks on random instants of 2026 that AddWork inverts WorkBetween
// and gives the earliest such instant, and that WorkBetween adds up over adjacent spans.
func TestCalendarAddWorkInverse(t *testing.T) {
	c := testCalendar(t)
	r := rand.New(rand.NewPCG(1, 2026))
	base := at(t, "2026-01-01 00:00")
	year := int64(365 * 24 * time.Hour)
	for range 2000 {
		start := base.Add(time.Duration(r.Int64N(year)))
		d := time.Duration(r.Int64N(int64(120 * time.Hour)))
		end := c.AddWork(start, d)
		if got := c.WorkBetween(start, end); got != d {
			t.Fatalf("WorkBetween(%s, AddWork(+%s)=%s) = %s", start, d, end, got)
		}
		if d > 0 && c.WorkBetween(start, end.Add(-time.Nanosecond)) >= d {
			t.Fatalf("AddWork(%s, %s) = %s is not the earliest", start, d, end)
		}
		b := start.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
		w := c.WorkBetween(start, b)
		if e := c.AddWork(start, w); e.After(b) || c.WorkBetween(e, b) != 0 {
			t.Fatalf("AddWork(%s, WorkBetween to %s = %s) = %s", start, b, w, e)
		}
		mid := start.Add(b.Sub(start) / 3)
		if c.WorkBetween(start, mid)+c.WorkBetween(mid, b) != w {
			t.Fatalf("WorkBetween(%s, %s) does not split at %s", start, b, mid)
		}
		if !c.AddWork(start, 0).Equal(start) {
			t.Fatalf("AddWork(%s, 0) moved", start)
		}
	}
}

func TestCalendarResultsInLocation(t *testing.T) {
	c := testCalendar(t)
	start := time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	for _, l := range []Limit{{2, WorkHour}, {1, WorkDay}, {2, NaturalHour}, {5, NaturalMinute}} {
		for _, got := range []time.Time{c.Deadline(start, l), c.WarnAt(start, l),
			c.Shift(start, l, start, start.Add(time.Hour)), c.AddWork(start, 0)} {
			if got.Location() != c.Location() {
				t.Errorf("%v: result in %v", l, got.Location())
			}
		}
	}
	if got, want := c.Deadline(start, Limit{2, WorkHour}), at(t, "2026-03-10 12:00"); !got.Equal(want) {
		t.Errorf("UTC start: deadline %s, want %s", got, want)
	}
}

func TestCalendarConcurrent(t *testing.T) {
	c := testCalendar(t)
	start := at(t, "2026-02-13 17:00")
	want := c.Deadline(start, Limit{9, WorkHour})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if got := c.Deadline(start, Limit{9, WorkHour}); !got.Equal(want) {
					t.Errorf("concurrent Deadline %s, want %s", got, want)
				}
			}
		})
	}
	wg.Wait()
}

func TestNewCalendarErrors(t *testing.T) {
	good := func() CalendarConfig {
		return CalendarConfig{
			Timezone:  "Asia/Shanghai",
			WorkHours: [][2]string{{"09:00", "12:00"}, {"14:00", "18:00"}},
			Years: map[string]CalendarYear{"2026": {
				Holidays: [][2]string{{"2026-02-15", "2026-02-23"}},
				Workdays: []string{"2026-02-14"},
			}},
		}
	}
	if _, err := NewCalendar(good()); err != nil {
		t.Fatalf("good config refused: %v", err)
	}
	for _, tc := range []struct {
		name, want string
		edit       func(*CalendarConfig)
	}{
		{"empty zone", "no timezone", func(c *CalendarConfig) { c.Timezone = "" }},
		{"bad zone", "bad timezone", func(c *CalendarConfig) { c.Timezone = "Mars/Olympus" }},
		{"no windows", "no work_hours", func(c *CalendarConfig) { c.WorkHours = nil }},
		{"short HH:MM", "want HH:MM", func(c *CalendarConfig) { c.WorkHours[0][0] = "9:00" }},
		{"hour 25", "want HH:MM", func(c *CalendarConfig) { c.WorkHours[1][1] = "25:00" }},
		{"minute 60", "want HH:MM", func(c *CalendarConfig) { c.WorkHours[0][1] = "11:60" }},
		{"sign", "want HH:MM", func(c *CalendarConfig) { c.WorkHours[0][0] = "+9:00" }},
		{"empty window", "start not before end", func(c *CalendarConfig) { c.WorkHours[0][1] = "09:00" }},
		{"overlap", "overlaps", func(c *CalendarConfig) { c.WorkHours[1][0] = "11:00" }},
		{"unsorted", "overlaps or precedes", func(c *CalendarConfig) {
			c.WorkHours[0], c.WorkHours[1] = c.WorkHours[1], c.WorkHours[0]
		}},
		{"bad year", "bad year", func(c *CalendarConfig) { c.Years["26"] = CalendarYear{} }},
		{"bad date", "bad date", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Holidays: [][2]string{{"2026-02-30", "2026-03-01"}}}
		}},
		{"date of another year", "not in 2026", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Holidays: [][2]string{{"2025-12-31", "2026-01-01"}}}
		}},
		{"reversed range", "ends before it starts", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Holidays: [][2]string{{"2026-02-23", "2026-02-15"}}}
		}},
		{"weekday make-up", "Saturday or Sunday", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Workdays: []string{"2026-02-13"}}
		}},
		{"make-up in holiday", "also a holiday", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Holidays: [][2]string{{"2026-02-14", "2026-02-23"}},
				Workdays: []string{"2026-02-14"}}
		}},
		{"bad make-up date", "bad date", func(c *CalendarConfig) {
			c.Years["2026"] = CalendarYear{Workdays: []string{"14/02/2026"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.edit(&cfg)
			_, err := NewCalendar(cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewCalendar error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func BenchmarkDeadline(b *testing.B) {
	c := testCalendar(b)
	start := at(b, "2026-02-13 17:00")
	for _, l := range []Limit{{30, NaturalMinute}, {4, WorkHour}, {200, WorkHour}, {30, WorkDay}} {
		b.Run(l.String(), func(b *testing.B) {
			for b.Loop() {
				c.Deadline(start, l)
			}
		})
	}
	b.Run("shift a year", func(b *testing.B) {
		l := Limit{4, WorkHour}
		dl := c.Deadline(start, l)
		to := start.AddDate(1, 0, 0)
		for b.Loop() {
			c.Shift(dl, l, start, to)
		}
	})
}
