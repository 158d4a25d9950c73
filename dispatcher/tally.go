package dispatcher

import "slices"

// Measure counters kept per day and dimension (see DOMAIN.md "Measures leaders watch"). Each is
// counted on the day (in the calendar's zone) of the event that counts it, for the district and
// under the case's unit, jurisdiction, category and channel at that moment. The rates of
// measures.go are built from them.
const (
	MReceived     = "received"             // problems: reports that became cases and were not merged into another (mergecount.go)
	MReports      = "reports"              // reports people made (来件): every case's first, every report joined to a case (duplicates.go)
	MRegistered   = "registered"           // cases registered (立案), by a person or the automatic policy
	MClosed       = "closed"               // cases closed: check passed, or an outside agency's reply recorded
	MClosedOnTime = "closed_on_time"       // closed cases whose handling deadline had not passed
	MAnswered     = "answered"             // inquiries answered at intake
	MRejected     = "rejected"             // reports refused registration
	MVoided       = "voided"               // cases voided (作废) by the shift leader
	MMerged       = "merged"               // cases merged into an earlier case of the same problem
	MDispatched   = "dispatched"           // hand-overs to a unit: dispatch, arbitration ruling, reassignment, rework
	MAckOnTime    = "acknowledged_on_time" // dispatches acknowledged before their acknowledgement deadline
	MReworks      = "reworks"              // checks that failed and sent the case back to its unit (返工)
	MReturns      = "returns"              // dispatches a unit handed back as not its own (回退)
	MExtensions   = "extensions"           // approved extensions
	MFollowedUp   = "followed_up"          // cases whose reporter was followed up (回访), one answer per case
	MSatisfied    = "satisfied"            // follow-ups answered 满意 or 基本满意
	MOverdueOpen  = "overdue_open"         // a gauge: open cases past a deadline, now

	// The time each step takes, for the leaders to see where cases stall: a count and the natural
	// seconds summed over it (the average is the one over the other), counted on the day the step
	// ends, under the unit that took it.

	MAcknowledged  = "acknowledged"   // dispatches acknowledged by their unit (on time or late)
	MAckSeconds    = "ack_seconds"    // natural seconds from dispatch to acknowledgement, summed (average: / acknowledged)
	MResolved      = "resolved"       // resolutions (处置完毕) reported by a unit
	MHandleSeconds = "handle_seconds" // natural seconds from acknowledgement to resolution, summed (average: / resolved)
	MChecked       = "checked"        // resolutions checked: passed or sent back for rework
	MCheckSeconds  = "check_seconds"  // natural seconds from resolution to its check, summed (average: / checked)

	// MAckDue counts the acknowledgements that fell due: a dispatch acknowledged (on time or late),
	// or still unacknowledged when its acknowledgement deadline passed (counted then, by the
	// scheduler's overdue mark or by the action that withdraws it, whichever comes first). A
	// dispatch returned, reassigned or otherwise withdrawn before its acknowledgement deadline
	// never falls due.
	MAckDue = "acknowledgements_due"
)

// Dimensions kept for accountability only, not in Dims (the measures API serves Dims): each
// counts one measure per day, not in the district.
const (
	// DimReturnReason counts returns (MReturns) by unit and the reason given: key "UNIT/reason",
	// the reason trimmed to ReturnReasonRunes characters.
	DimReturnReason = "return_reason"
	// DimRuling counts arbitration rulings (MRulings): key "RETURNED_BY/RULED_TO", one under every
	// unit that had returned the case before the ruling.
	DimRuling = "ruling"
	// MRulings counts arbitration rulings (仲裁), in DimRuling only.
	MRulings = "rulings"
	// ReturnReasonRunes bounds a reason as a key: free text, but the consoles offer a few phrases.
	ReturnReasonRunes = 40
)

// Counted is where a count that a case may have only once (its satisfaction) was made: the day and
// the case's dimension keys then, so that it can be taken out again where it was put.
type Counted struct {
	Day  string    `json:"day"`
	Keys [4]string `json:"keys"`
}

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
	tx.tallyAt(tx.here(), measure, delta)
}

// here is where tally counts now: today, under the case's keys.
func (tx *change) here() Counted {
	return Counted{Day: tx.now.In(tx.s.Calendar().Location()).Format("2006-01-02"), Keys: dimKeys(tx.c)}
}

// tallyAt counts one measure on the day and under the keys of at.
func (tx *change) tallyAt(at Counted, measure string, delta int64) {
	tx.tallies = appendTallyRows(tx.tallies, at.Day, measure, delta, at.Keys)
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
