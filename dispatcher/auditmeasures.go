package dispatcher

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The audit's measure check: the tallies the measures are served from against the sums of the
// deltas the events recorded (Event.Tallies).

// measures compares the tallies the measures are served from with the sums of the deltas the
// events recorded: day counters, gauges and month rollups. Counters of a day with events
// written before HashV2 cannot be checked (those events recorded no deltas), nor the gauges
// once there is any such event.
func (a *auditor) measures() error {
	want, months := a.sums, a.monthSums() // (the comparisons consume the sums)
	err := a.rd.Tallies(a.ctx, func(r TallyRecord) error {
		key := TallyRecord{Day: r.Day, Dim: r.Dim, Key: r.Key, Measure: r.Measure}
		a.compareTally(key, r.Count, want, "")
		return nil
	})
	if err != nil {
		return err
	}
	a.leftoverTallies(want, "")
	err = a.rd.TallyMonths(a.ctx, func(r TallyRecord) error {
		key := TallyRecord{Day: r.Day, Dim: r.Dim, Key: r.Key, Measure: r.Measure}
		a.compareTally(key, r.Count, months, " (month rollup)")
		return nil
	})
	if err != nil {
		return err
	}
	a.leftoverTallies(months, " (month rollup)")
	return nil
}

// monthSums adds up the day counters of a.sums by month.
func (a *auditor) monthSums() map[TallyRecord]int64 {
	months := map[TallyRecord]int64{}
	for k, n := range a.sums {
		if len(k.Day) == len("2006-01-02") {
			k.Day = k.Day[:7]
			months[k] += n
		}
	}
	return months
}

// uncheckable reports whether a counter of day (or month) cannot be checked for legacy events.
func (a *auditor) uncheckable(day string) bool {
	if len(a.legacy) == 0 {
		return false
	}
	if day == "" {
		return true
	}
	for d := range a.legacy {
		if strings.HasPrefix(d, day) {
			return true
		}
	}
	return false
}

func (a *auditor) compareTally(key TallyRecord, stored int64, want map[TallyRecord]int64, what string) {
	sum := want[key]
	delete(want, key)
	if a.uncheckable(key.Day) {
		a.rep.CountersSkipped++
		return
	}
	a.rep.Counters++
	if sum != stored {
		a.find("%s: the tallies say %d, the events add up to %d", tallyName(key, what), stored, sum)
	}
}

// leftoverTallies reports the sums that no stored counter matched.
func (a *auditor) leftoverTallies(want map[TallyRecord]int64, what string) {
	keys := make([]TallyRecord, 0, len(want))
	for k, n := range want {
		if n != 0 && !a.uncheckable(k.Day) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y TallyRecord) int {
		return cmp.Or(cmp.Compare(x.Day, y.Day), cmp.Compare(x.Dim, y.Dim), cmp.Compare(x.Key, y.Key), cmp.Compare(x.Measure, y.Measure))
	})
	for _, k := range keys {
		a.rep.Counters++
		a.find("%s: the tallies have nothing, the events add up to %d", tallyName(k, what), want[k])
	}
}

// tallyName names a counter: "measure closed of unit QJ-GN-DD on 2026-12-04".
func tallyName(k TallyRecord, what string) string {
	of := "the district"
	if k.Dim != DimAll {
		of = k.Dim + " " + k.Key
	}
	switch {
	case k.Day == "":
		return fmt.Sprintf("gauge %s of %s", k.Measure, of)
	case len(k.Day) == len("2006-01"):
		return fmt.Sprintf("measure %s of %s in %s%s", k.Measure, of, k.Day, what)
	}
	return fmt.Sprintf("measure %s of %s on %s%s", k.Measure, of, k.Day, what)
}
