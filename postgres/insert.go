package postgres

import (
	"slices"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5/pgtype"
)

// insertCasesSQL writes the new cases of a batch with one statement, whatever their number: the
// case rows, their units, their events (each with the xid of the writing transaction) and one row
// of tally deltas for all of them, each insert taking its rows from parallel arrays. One statement
// instead of one per case saves the server the planning, start and end of a statement per report,
// which cost about as much as the rows themselves. It returns the number of cases.
const insertCasesSQL = `WITH new_cases AS (
		INSERT INTO cases (id, ` + caseColumns + `)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::boolean[], $11::timestamptz[], $12::timestamptz[],
			$13::timestamptz[], $14::bigint[], $15::text[])),
	units AS (
		INSERT INTO case_units (unit, case_id) SELECT * FROM unnest($16::text[], $17::bigint[])),
	new_events AS (
		INSERT INTO events (id, case_id, seq, type, at, xid, visible, body)
		SELECT e.id, e.case_id, e.seq, e.type, e.at, pg_current_xact_id(), e.visible, e.body
		FROM unnest($18::bigint[], $19::bigint[], $20::bigint[], $21::text[], $22::timestamptz[], $23::text[],
			$24::text[]) AS e (id, case_id, seq, type, at, visible, body)),
	tally AS (
		INSERT INTO tally_log (dim, day, key, measure, delta, monthly)
		SELECT $25::text[], $26::text[], $27::text[], $28::text[], $29::bigint[], $30::boolean[]
		WHERE cardinality($29::bigint[]) > 0)
	SELECT cardinality($1::bigint[])`

// newCaseColumns holds the rows of the new cases of a batch, one array per column.
type newCaseColumns struct {
	ids, versions                                         []int64
	numbers, states, owners, units, channels, externalIDs []string
	categories, jurisdictions, bodies                     []string
	overdue                                               []bool
	created, updated                                      []time.Time
	nextDue                                               []pgtype.Timestamptz
	unitNames                                             []string // case_units: unit, case id
	unitCases                                             []int64
	events                                                *eventArrays
}

// eventArrays holds events as parallel arrays, the shape in which both the insert of new cases
// and an update (eventsCTE) write them.
type eventArrays struct {
	ids, cases, seqs       []int64
	types, visible, bodies []string
	ats                    []time.Time
}

func newEventArrays(n int) *eventArrays {
	return &eventArrays{ids: make([]int64, 0, n), cases: make([]int64, 0, n), seqs: make([]int64, 0, n),
		types: make([]string, 0, n), visible: make([]string, 0, n), bodies: make([]string, 0, n),
		ats: make([]time.Time, 0, n)}
}

// add appends e, with its body and its Visible list encoded (the JSON of an Event leaves Visible
// out).
func (cols *eventArrays) add(e *dispatcher.Event) error {
	body, err := encode(e)
	if err != nil {
		return err
	}
	visible, err := encode(nonNil(e.Visible))
	if err != nil {
		return err
	}
	cols.ids = append(cols.ids, e.ID)
	cols.cases = append(cols.cases, e.CaseID)
	cols.seqs = append(cols.seqs, e.Seq)
	cols.types = append(cols.types, e.Type)
	cols.ats = append(cols.ats, e.At)
	cols.visible = append(cols.visible, visible)
	cols.bodies = append(cols.bodies, body)
	return nil
}

// insertCases is the statement and arguments that write ws, all new cases.
func insertCases(ws []caseWrite) (string, []any, error) {
	events, tallyCount := 0, 0
	for _, w := range ws {
		events += len(w.events)
		tallyCount += len(w.tallies)
	}
	cols := newColumns(len(ws), events)
	tallies := make([]dispatcher.Tally, 0, tallyCount)
	for _, w := range ws {
		if err := cols.addCase(w.c); err != nil {
			return "", nil, err
		}
		for _, e := range w.events {
			if err := cols.events.add(e); err != nil {
				return "", nil, err
			}
		}
		tallies = append(tallies, w.tallies...)
	}
	r := newLogRow(tallies)
	return insertCasesSQL, []any{cols.ids, cols.numbers, cols.states, cols.owners, cols.units, cols.channels,
		cols.externalIDs, cols.categories, cols.jurisdictions, cols.overdue, cols.created, cols.updated,
		cols.nextDue, cols.versions, cols.bodies,
		cols.unitNames, cols.unitCases,
		cols.events.ids, cols.events.cases, cols.events.seqs, cols.events.types, cols.events.ats,
		cols.events.visible, cols.events.bodies,
		r.dims, r.days, r.keys, r.measures, r.deltas, r.monthly}, nil
}

// newColumns has room for the given numbers of cases and events (and two units per case).
func newColumns(cases, events int) *newCaseColumns {
	return &newCaseColumns{
		ids: make([]int64, 0, cases), versions: make([]int64, 0, cases),
		numbers: make([]string, 0, cases), states: make([]string, 0, cases), owners: make([]string, 0, cases),
		units: make([]string, 0, cases), channels: make([]string, 0, cases), externalIDs: make([]string, 0, cases),
		categories: make([]string, 0, cases), jurisdictions: make([]string, 0, cases),
		bodies: make([]string, 0, cases), overdue: make([]bool, 0, cases),
		created: make([]time.Time, 0, cases), updated: make([]time.Time, 0, cases),
		nextDue:   make([]pgtype.Timestamptz, 0, cases),
		unitNames: make([]string, 0, 2*cases), unitCases: make([]int64, 0, 2*cases),
		events: newEventArrays(events),
	}
}

func (cols *newCaseColumns) addCase(c *dispatcher.Case) error {
	body, err := encode(c)
	if err != nil {
		return err
	}
	var due pgtype.Timestamptz
	if c.NextDue != nil {
		due = pgtype.Timestamptz{Time: *c.NextDue, Valid: true}
	}
	cols.ids = append(cols.ids, c.ID)
	cols.numbers = append(cols.numbers, c.Number)
	cols.states = append(cols.states, string(c.State))
	cols.owners = append(cols.owners, c.Owner)
	cols.units = append(cols.units, c.Unit)
	cols.channels = append(cols.channels, c.Channel)
	cols.externalIDs = append(cols.externalIDs, c.ExternalID)
	cols.categories = append(cols.categories, c.Category)
	cols.jurisdictions = append(cols.jurisdictions, c.Routing.Jurisdiction)
	cols.overdue = append(cols.overdue, c.IsOverdue())
	cols.created = append(cols.created, c.CreatedAt)
	cols.updated = append(cols.updated, c.UpdatedAt)
	cols.nextDue = append(cols.nextDue, due)
	cols.versions = append(cols.versions, c.Version)
	cols.bodies = append(cols.bodies, body)
	units := slices.Clone(c.Owners)
	slices.Sort(units)
	for _, u := range slices.Compact(units) {
		cols.unitNames = append(cols.unitNames, u)
		cols.unitCases = append(cols.unitCases, c.ID)
	}
	return nil
}
