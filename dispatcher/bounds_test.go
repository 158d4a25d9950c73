package dispatcher

import (
	"testing"
	"time"
)

// At the bounds of MaxLimitValue, a deadline extended by twice as much again (the most the default
// extension bound allows) stays within ten years: nothing overflows.
func TestLimitsAtTheBoundsStayInRange(t *testing.T) {
	cal := testCalendar(t)
	start := at(t, "2026-11-25 10:00")
	for unit, max := range MaxLimitValue {
		l := Limit{Value: max, Unit: unit}
		d := cal.Extend(cal.Extend(cal.Deadline(start, l), l), l)
		if !d.After(start) || d.Year() > 2036 || cal.WarnAt(start, l).After(d) {
			t.Errorf("%v: deadline %v extended to %v", l, cal.Deadline(start, l), d)
		}
		if over := (Limit{Value: max + 1, Unit: unit}); over.Valid() {
			t.Errorf("%v is valid", over)
		}
	}
}

// BenchmarkDeadlineAtTheBounds is the cost of the longest deadline the hub computes for each unit:
// start, warning, and two extensions of the same length (the calendar steps by day).
func BenchmarkDeadlineAtTheBounds(b *testing.B) {
	cal := testCalendar(b)
	start := at(b, "2026-11-25 10:00")
	for _, unit := range []string{NaturalMinute, NaturalHour, WorkHour, WorkDay} {
		l := Limit{Value: MaxLimitValue[unit], Unit: unit}
		b.Run(unit, func(b *testing.B) {
			for b.Loop() {
				d := cal.Deadline(start, l)
				_ = cal.WarnAt(start, l)
				_ = cal.Extend(cal.Extend(d, l), l)
			}
		})
	}
	_ = time.Second
}
