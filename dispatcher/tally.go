package dispatcher

import "slices"

// Measure counters kept per day and dimension (see DOMAIN.md "Measures leaders watch").
const (
	MReceived     = "received"
	MRegistered   = "registered"
	MClosed       = "closed"
	MClosedOnTime = "closed_on_time"
	MAnswered     = "answered"
	MRejected     = "rejected"
	MVoided       = "voided"
	MMerged       = "merged"
	MDispatched   = "dispatched"
	MAckOnTime    = "acknowledged_on_time"
	MReworks      = "reworks"
	MReturns      = "returns"
	MExtensions   = "extensions"
	MFollowedUp   = "followed_up"
	MSatisfied    = "satisfied"
	MOverdueOpen  = "overdue_open" // a gauge: open cases past a deadline, now
)

// dimKeys are the case's keys for DimUnit, DimJurisdiction, DimCategory, DimChannel.
func dimKeys(c *Case) [4]string {
	unit := c.Unit
	if unit == "" {
		unit = c.Routing.Unit
	}
	return [4]string{unit, c.Routing.Jurisdiction, c.Category, c.Channel}
}

// tally counts one measure for today, for the district and each of the case's dimensions.
func (tx *change) tally(measure string, delta int64) {
	day := tx.now.In(tx.s.Calendar().Location()).Format("2006-01-02")
	tx.tallies = appendTallyRows(tx.tallies, day, measure, delta, dimKeys(tx.c))
}

func (tx *change) gauge(g gaugeKey, delta int64) {
	if g.on {
		tx.tallies = appendTallyRows(tx.tallies, "", MOverdueOpen, delta, g.dims)
	}
}

// appendTallyRows appends to rows the delta of measure on day in every dimension: overall, then
// under each of keys.
func appendTallyRows(rows []Tally, day, measure string, delta int64, keys [4]string) []Tally {
	rows = slices.Grow(rows, len(Dims))
	rows = append(rows, Tally{Day: day, Dim: DimAll, Measure: measure, Delta: delta})
	for i, dim := range Dims[1:] {
		rows = append(rows, Tally{Day: day, Dim: dim, Key: keys[i], Measure: measure, Delta: delta})
	}
	return rows
}

func overdueGauge(c *Case) gaugeKey {
	return gaugeKey{on: c.State.IsOpen() && c.IsOverdue(), dims: dimKeys(c)}
}
