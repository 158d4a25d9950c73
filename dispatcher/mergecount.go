package dispatcher

import (
	"encoding/json"

	"cityhub/geo"
)

// A report merged into an earlier case of the same problem is that problem counted a second
// time. The merge takes it out of the measures that count problems, where it was put: received
// (and its hot-spot cells) on the day and under the keys of its receipt, registered on the day and
// under the keys of its registration. It stays among the reports people made (MReports) and is
// counted as merged (MMerged). So the closure rate divides by the problems once:
// (closed + answered) / (received - rejected - voided).

// intakeCounts is where a case's intake was counted, read back from its events.
type intakeCounts struct {
	received, registered *Counted
	cell                 string // the res-9 cell the receipt counted (hotspots.go)
	category             string // the category at receipt, which the cell counts were kept under
}

// uncountIntake withdraws the case's receipt and registration counts (see above).
func (tx *change) uncountIntake() error {
	evs, err := tx.s.store.CaseEvents(tx.ctx, tx.c.ID)
	if err != nil {
		return err
	}
	at := tx.intakeCountsOf(evs)
	if at.received != nil {
		tx.tallyAt(*at.received, MReceived, -1)
		tx.tallyCellsAt(at.received.Day, at.category, at.cell, -1)
	}
	if at.registered != nil {
		tx.tallyAt(*at.registered, MRegistered, -1)
	}
	return nil
}

// intakeData is what the receipt and registration events say of the case's place and category.
type intakeData struct {
	Category string    `json:"category"`
	Channel  string    `json:"channel"`
	Routing  *Routing  `json:"routing"`
	Location *Location `json:"location"`
}

func (tx *change) intakeCountsOf(evs []*Event) intakeCounts {
	var out intakeCounts
	var cur intakeData
	for _, ev := range evs {
		var d intakeData
		if len(ev.Data) > 0 && json.Unmarshal(ev.Data, &d) != nil {
			continue
		}
		switch ev.Type {
		case "case.received":
			cur = d
			out.category, out.cell = d.Category, receiptCell(d)
			out.received = tx.countedAt(ev, cur)
		case "case.registered":
			if d.Category != "" {
				cur.Category = d.Category
			}
			if d.Routing != nil {
				cur.Routing = d.Routing
			}
			if out.registered == nil { // registered once; a reopening does not count again
				out.registered = tx.countedAt(ev, cur)
			}
		}
	}
	return out
}

// countedAt is where a count made by ev was put: its day, and the keys the case had then (before
// any dispatch, the unit is the routed one).
func (tx *change) countedAt(ev *Event, d intakeData) *Counted {
	var unit, jurisdiction string
	if d.Routing != nil {
		unit, jurisdiction = d.Routing.Unit, d.Routing.Jurisdiction
	}
	channel := d.Channel
	if channel == "" {
		channel = tx.c.Channel
	}
	return &Counted{Day: ev.At.In(tx.s.Calendar().Location()).Format(dayLayout),
		Keys: [4]string{unit, jurisdiction, d.Category, channel}}
}

// receiptCell is the res-9 cell the receipt was counted under, as CaseCell found it then.
func receiptCell(d intakeData) string {
	if d.Routing != nil {
		if res, err := geo.CellResolution(d.Routing.Cell); err == nil && res == HotspotFine {
			return d.Routing.Cell
		}
	}
	if d.Location == nil {
		return ""
	}
	cell, _ := geo.CellAt(d.Location.Point, HotspotFine)
	return cell
}
