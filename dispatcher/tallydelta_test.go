package dispatcher

import (
	"slices"
	"testing"
)

// TestTallyDeltasExpandToTheRows: the deltas an event records stand for exactly the tally rows of
// its write, whether they come as the usual runs over every dimension or as rows of their own.
func TestTallyDeltasExpandToTheRows(t *testing.T) {
	keys := [4]string{"QJ-GN-DD", "QJ-GN", "0501", "hotline"}
	var rows []Tally
	rows = appendTallyRows(rows, "2026-12-04", MReceived, 1, keys)
	rows = append(rows, Tally{Day: "2026-12-01", Dim: DimUnit, Key: "QJ-WL-DD", Measure: MAckOnTime, Delta: -1})
	rows = appendTallyRows(rows, "", MOverdueOpen, -1, keys)
	rows = appendTallyRows(rows, "2026-12-04", MDispatched, 1, [4]string{"", "QJ-GN", "0501", "web"})
	rows = append(rows, rows[0]) // a run cut short
	deltas := compactTallies(rows)
	if got := ExpandTallies(deltas); !slices.Equal(got, rows) {
		t.Errorf("expanded deltas:\n%v\nwant\n%v", got, rows)
	}
	if len(deltas) != 5 {
		t.Errorf("%d deltas for 3 runs and 2 rows of their own", len(deltas))
	}
	if compactTallies(nil) != nil || ExpandTallies(nil) != nil {
		t.Error("no rows must make no deltas")
	}
}
