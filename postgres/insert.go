package postgres

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5/pgtype"
)

// insertCasesSQL writes the new cases of a batch with one statement, whatever their number: the
// case rows, their units, their attachments (media_cases), their events (each with the xid of the writing transaction) and one row
// of tally deltas for all of them, each insert taking its rows from parallel arrays. One statement
// instead of one per case saves the server the planning, start and end of a statement per report,
// which cost about as much as the rows themselves. Events take their ids from those drawn by the
// transaction (write.go). It returns the number of cases.
const insertCasesSQL = `WITH new_cases AS (
		INSERT INTO cases (id, ` + caseColumns + `, seal)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::text[], $8::text[], $9::text[], $10::boolean[], $11::timestamptz[], $12::timestamptz[],
			$13::timestamptz[], $14::bigint[], $15::text[], $31::boolean[], $32::text[], $33::bytea[])),
	units AS (
		INSERT INTO case_units (unit, case_id) SELECT * FROM unnest($16::text[], $17::bigint[])),
	media AS (
		INSERT INTO media_cases (sha256, case_id) SELECT * FROM unnest($34::text[], $35::bigint[])
		ON CONFLICT DO NOTHING),
	new_events AS (
		INSERT INTO events (id, case_id, seq, type, at, xid, visible, body)
		SELECT d.ids[e.slot], e.case_id, e.seq, e.type, e.at, pg_current_xact_id(), e.visible,
			'{"id":' || d.ids[e.slot] || e.rest
		FROM unnest($18::int[], $19::bigint[], $20::bigint[], $21::text[], $22::timestamptz[], $23::text[],
			$24::text[]) AS e (slot, case_id, seq, type, at, visible, rest), ` + drawnEventIDs + `),
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
	seals                                                 [][]byte
	overdue                                               []bool
	public                                                []bool
	apiKeys                                               []string
	created, updated                                      []time.Time
	nextDue                                               []pgtype.Timestamptz
	unitNames                                             []string // case_units: unit, case id
	unitCases                                             []int64
	mediaHashes                                           []string // media_cases: hash, case id
	mediaCases                                            []int64
	events                                                *eventArrays
}

// eventArrays holds events as parallel arrays, the shape in which both the insert of new cases
// and an update (eventsCTE) write them. An event is written before its id is known: it carries
// the position of its id among those its transaction draws (slot, from 1), and its JSON body
// without the id (see encodedEvent). The server puts the two together.
type eventArrays struct {
	slots                 []int32
	cases, seqs           []int64
	types, visible, rests []string
	ats                   []time.Time
}

func newEventArrays(n int) *eventArrays {
	return &eventArrays{slots: make([]int32, 0, n), cases: make([]int64, 0, n), seqs: make([]int64, 0, n),
		types: make([]string, 0, n), visible: make([]string, 0, n), rests: make([]string, 0, n),
		ats: make([]time.Time, 0, n)}
}

// add appends events, the first taking slot first and each next one the slot after.
func (cols *eventArrays) add(events []encodedEvent, first int) {
	for i, e := range events {
		cols.slots = append(cols.slots, int32(first+i))
		cols.cases = append(cols.cases, e.caseID)
		cols.seqs = append(cols.seqs, e.seq)
		cols.types = append(cols.types, e.typ)
		cols.ats = append(cols.ats, e.at)
		cols.visible = append(cols.visible, e.visible)
		cols.rests = append(cols.rests, e.rest)
	}
}

// encodedEvent is an event as its writer encodes it, before its id exists: its columns, its
// Visible list in JSON (the JSON of an Event leaves Visible out), and its JSON body without the
// id, which is the first member (rest: the body after `{"id":0`).
type encodedEvent struct {
	caseID, seq   int64
	typ           string
	at            time.Time
	visible, rest string
}

// bodyWithoutID is how the JSON body of an event that has no id yet begins.
const bodyWithoutID = `{"id":0`

// encodeEvents encodes events, none of which has an id yet.
func encodeEvents(events []*dispatcher.Event) ([]encodedEvent, error) {
	out := make([]encodedEvent, len(events))
	for i, e := range events {
		if e.ID != 0 {
			return nil, fmt.Errorf("postgres: event of case %d already has id %d", e.CaseID, e.ID)
		}
		body, err := encodeEvent(e)
		if err != nil {
			return nil, err
		}
		rest, ok := strings.CutPrefix(body, bodyWithoutID)
		if !ok || !strings.HasPrefix(rest, ",") {
			return nil, fmt.Errorf("postgres: an event body does not begin with its id: %.40s", body)
		}
		visible, err := encodeVisible(e, events[:i], out[:i])
		if err != nil {
			return nil, err
		}
		out[i] = encodedEvent{caseID: e.CaseID, seq: e.Seq, typ: e.Type, at: e.At, visible: visible, rest: rest}
	}
	return out, nil
}

// encodeVisible is the JSON of e's Visible list. The events of one change share their list, so
// the encoding of the event before is taken again when the list is the same (nil and empty
// lists are both written as []).
func encodeVisible(e *dispatcher.Event, before []*dispatcher.Event, encoded []encodedEvent) (string, error) {
	if n := len(before); n > 0 && slices.Equal(before[n-1].Visible, e.Visible) {
		return encoded[n-1].visible, nil
	}
	return encode(nonNil(e.Visible))
}

// encodedCase is a new case as its writer encodes it: the case, its body, the units of its
// case_units rows and its events.
type encodedCase struct {
	c      *dispatcher.Case
	body   string
	units  []string
	events []encodedEvent
}

func encodeCase(c *dispatcher.Case, events []*dispatcher.Event) (*encodedCase, error) {
	body, err := encode(c)
	if err != nil {
		return nil, err
	}
	evs, err := encodeEvents(events)
	if err != nil {
		return nil, err
	}
	units := slices.Clone(c.Owners)
	slices.Sort(units)
	return &encodedCase{c: c, body: body, units: slices.Compact(units), events: evs}, nil
}

// args are the arguments of insertCasesSQL that write the cases of cols and the tallies.
func (cols *newCaseColumns) args(tallies []dispatcher.Tally) []any {
	r := newLogRow(tallies)
	return []any{cols.ids, cols.numbers, cols.states, cols.owners, cols.units, cols.channels,
		cols.externalIDs, cols.categories, cols.jurisdictions, cols.overdue, cols.created, cols.updated,
		cols.nextDue, cols.versions, cols.bodies,
		cols.unitNames, cols.unitCases,
		cols.events.slots, cols.events.cases, cols.events.seqs, cols.events.types, cols.events.ats,
		cols.events.visible, cols.events.rests,
		r.dims, r.days, r.keys, r.measures, r.deltas, r.monthly,
		cols.public, cols.apiKeys, cols.seals,
		cols.mediaHashes, cols.mediaCases}
}

// shiftSlots returns slots moved up by offset.
func shiftSlots(slots []int32, offset int) []int32 {
	out := make([]int32, len(slots))
	for i, slot := range slots {
		out[i] = slot + int32(offset)
	}
	return out
}

// newColumns has room for the given numbers of cases and events (and two units per case).
func newColumns(cases, events int) *newCaseColumns {
	return &newCaseColumns{
		ids: make([]int64, 0, cases), versions: make([]int64, 0, cases),
		numbers: make([]string, 0, cases), states: make([]string, 0, cases), owners: make([]string, 0, cases),
		units: make([]string, 0, cases), channels: make([]string, 0, cases), externalIDs: make([]string, 0, cases),
		categories: make([]string, 0, cases), jurisdictions: make([]string, 0, cases),
		bodies: make([]string, 0, cases), seals: make([][]byte, 0, cases), overdue: make([]bool, 0, cases),
		public: make([]bool, 0, cases), apiKeys: make([]string, 0, cases),
		created: make([]time.Time, 0, cases), updated: make([]time.Time, 0, cases),
		nextDue:   make([]pgtype.Timestamptz, 0, cases),
		unitNames: make([]string, 0, 2*cases), unitCases: make([]int64, 0, 2*cases),
		mediaHashes: []string{}, mediaCases: []int64{},
		events: newEventArrays(events),
	}
}

// add appends the case ec, its events taking the slots from firstEvent on.
func (cols *newCaseColumns) add(ec *encodedCase, firstEvent int) {
	c := ec.c
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
	cols.bodies = append(cols.bodies, ec.body)
	cols.public = append(cols.public, c.IsPublic())
	cols.apiKeys = append(cols.apiKeys, c.APIKey)
	cols.seals = append(cols.seals, c.Seal)
	for _, u := range ec.units {
		cols.unitNames = append(cols.unitNames, u)
		cols.unitCases = append(cols.unitCases, c.ID)
	}
	for _, h := range mediaHashes(c) {
		cols.mediaHashes = append(cols.mediaHashes, h)
		cols.mediaCases = append(cols.mediaCases, c.ID)
	}
	cols.events.add(ec.events, firstEvent)
}
