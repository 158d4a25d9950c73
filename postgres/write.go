package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// Event ids.
//
// The contract: event ids increase store-wide, and a reader that resumes after the last id it
// saw never misses an event. With many connections (and many hub instances) writing at once, a
// plain sequence breaks the second half: transaction A draws id 10, B draws 11, B commits, a
// reader sees 11 and resumes after it, then A commits 10, which that reader never sees.
//
// The scheme has two halves. This file is the writers' half; events.go has the readers'.
//
// Writers. Every transaction that writes events is sent in one pipelined round trip: BEGIN, steps
// 1 to 4, the writes, COMMIT.
//
//  1. pg_advisory_lock(lockSpace, lockEventIDs): a session lock, the same for every writer;
//  2. pg_current_xact_id() (this assigns the transaction its xid), and nextval(event_ids) for
//     each of its events, kept in the transaction-local setting cityhub.event_ids, from which
//     the writes take their events' ids;
//  3. pg_advisory_xact_lock_shared on a key that encodes that xid (regBase..): the writer's
//     "registration", visible to readers in pg_locks until the transaction ends;
//  4. pg_advisory_unlock(lockSpace, lockEventIDs).
//
// Several writes may share one transaction (commit.go): they draw their ids together. The writes
// are built before the ids exist: an event's JSON body is sent without its id and completed by
// the server (encodedEvent), and a new case takes its id from a reserve of case ids drawn ahead
// (caseIDReserve), since its number, which derives from the id, is written into its body and its
// events' bodies. So no step waits for the hub between BEGIN and COMMIT.
//
// Transaction ids are handed out by a cluster-wide counter in increasing order. Since writers
// get their xids and draw their ids while holding the same lock, for two writers A and B:
// A's ids < B's ids  <=>  A held the lock first  <=>  xid(A) < xid(B), and A registered before B
// took the lock. So id order is xid order, whatever order the transactions commit in.
//
// The lock is released at step 4, not at commit: it covers a few microseconds of server time and
// no network round trip, writers spend the rest of their transaction (the writes, the commit and
// its WAL flush) in parallel, and PostgreSQL's group commit still works. It is a session lock
// because a transaction lock would last until commit; so it must be released on every path: step
// 4 in the normal case, an explicit unlock after a failure in between (the server skips the rest
// of a pipeline after an error), and closing the connection if even that fails (the server
// releases a dead session's locks). A session that vanishes while holding it is ended by
// idle_in_transaction_session_timeout (store.go).
//
// Every events row records its transaction's xid (events.xid).

// regBase is the first int4 of the registration keys: (regBase + the xid's epoch, the low 32 bits
// of the xid as an int4), which pg_locks shows as classid and objid. regBase is "XID\0"; the
// range regBase..regBase+255 is reserved for them.
const regBase = 0x58494400

const (
	sqlLock     = "SELECT pg_advisory_lock($1, $2)"
	sqlUnlock   = "SELECT pg_advisory_unlock($1, $2)"
	sqlRegister = `SELECT pg_advisory_xact_lock_shared(($1 + (x >> 32))::int4, x::bit(32)::int4)
		FROM (SELECT pg_current_xact_id()::text::bigint AS x) AS current`
	// sqlDraw draws $1 event ids into cityhub.event_ids and $2 case ids for the reserve, and
	// answers both, ascending. It also has the transaction's later statements use generic plans:
	// the writes are the same few statements with other arrays, and a plan made for each set of
	// arrays is no better (planning again cost about 12% of the server's CPU for a lone write,
	// 2% in batches).
	sqlDraw = `SELECT pg_current_xact_id(), d.ids, set_config('` + eventIDsSetting + `', d.ids::text, true),
		set_config('plan_cache_mode', 'force_generic_plan', true),
		ARRAY(SELECT nextval('case_ids') FROM generate_series(1, $2::int) ORDER BY 1)
		FROM (SELECT ARRAY(SELECT nextval('event_ids') FROM generate_series(1, $1::int) ORDER BY 1) AS ids) AS d`
	sqlDrawCases = `SELECT ARRAY(SELECT nextval('case_ids') FROM generate_series(1, $1::int) ORDER BY 1)`

	// eventIDsSetting holds the event ids drawn by the transaction, for its writes.
	eventIDsSetting = "cityhub.event_ids"
	// drawnEventIDs is a FROM item of one row, d, whose column ids is that array (OFFSET 0 keeps
	// the planner from inlining it, which would parse the setting again for every row).
	drawnEventIDs = `(SELECT current_setting('` + eventIDsSetting + `')::bigint[] AS ids OFFSET 0) AS d`
)

// queueBegin queues the start of a write transaction that draws events event ids and refill case
// ids for the reserve: BEGIN, then steps 1 to 4 when events > 0.
func queueBegin(b *pgx.Batch, events, refill int) {
	b.Queue("BEGIN")
	if events > 0 {
		b.Queue(sqlLock, lockSpace, lockEventIDs)
		b.Queue(sqlDraw, events, refill)
		b.Queue(sqlRegister, regBase)
		b.Queue(sqlUnlock, lockSpace, lockEventIDs)
	} else if refill > 0 {
		b.Queue(sqlDrawCases, refill)
	}
}

// readBegin reads the results of queueBegin: the event ids and case ids drawn, each ascending.
func readBegin(br pgx.BatchResults, events, refill int) (eventIDs, caseIDs []int64, err error) {
	if _, err := br.Exec(); err != nil {
		return nil, nil, err
	}
	if events == 0 {
		if refill > 0 {
			err = br.QueryRow().Scan(&caseIDs)
		}
		return nil, caseIDs, err
	}
	var unlocked bool
	if _, err := br.Exec(); err != nil {
		return nil, nil, err
	}
	if err := br.QueryRow().Scan(nil, &eventIDs, nil, nil, &caseIDs); err != nil {
		return nil, nil, err
	}
	if _, err := br.Exec(); err != nil {
		return nil, nil, err
	}
	if err := br.QueryRow().Scan(&unlocked); err != nil {
		return nil, nil, err
	}
	if !unlocked {
		return nil, nil, errors.New("postgres: the event id lock was not held")
	}
	if len(eventIDs) != events {
		return nil, nil, fmt.Errorf("postgres: drew %d event ids, want %d", len(eventIDs), events)
	}
	return eventIDs, caseIDs, nil
}

// cleanUp makes sure that the connection of a failed write goes back to the pool idle and
// without the event-id lock: it rolls back and unlocks (a no-op if the lock is not held) or, if
// that fails, closes the connection, which the pool then discards (and the server releases what
// the session held).
func cleanUp(conn *pgx.Conn) {
	if conn.IsClosed() {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b := &pgx.Batch{}
	b.Queue("ROLLBACK")
	b.Queue("SELECT pg_advisory_unlock_all()")
	if err := conn.SendBatch(ctx, b).Close(); err != nil || conn.PgConn().TxStatus() != 'I' {
		_ = conn.Close(ctx)
	}
}

// CreateCase inserts c, its events and its tallies in one transaction. c and events are changed
// (ID, Number, CaseID, Summary.Number) only once the transaction has committed.
func (s *Store) CreateCase(ctx context.Context, c *dispatcher.Case, events []*dispatcher.Event,
	tallies []dispatcher.Tally) error {
	const what = "the case could not be saved"
	if err := s.usable(); err != nil {
		return err
	}
	id, err := s.newCaseID(ctx)
	if err != nil {
		return s.storeErr(err, what)
	}
	stored := *c
	stored.ID, stored.Number = id, dispatcher.CompleteNumber(c.Number, id)
	evs := stageEvents(&stored, events)
	if _, err := s.write(ctx, what, caseWrite{c: &stored, events: evs, tallies: tallies}, true); err != nil {
		if dispatcher.ErrorCode(err) == dispatcher.EDuplicate {
			s.commit.caseIDs.giveBack(id) // refused, so rolled back: the id is unused
		}
		return err
	}
	s.noteLogged(tallies)
	c.ID, c.Number = stored.ID, stored.Number
	copyBack(events, evs)
	return nil
}

// UpdateCase writes c if the stored version is still prevVersion, with its new events and
// tallies, in one transaction.
func (s *Store) UpdateCase(ctx context.Context, c *dispatcher.Case, prevVersion int64,
	events []*dispatcher.Event, tallies []dispatcher.Tally) error {
	evs := stageEvents(c, events)
	w := caseWrite{c: c, prevVersion: prevVersion, events: evs, tallies: tallies}
	found, err := s.write(ctx, "the case could not be saved", w, false)
	if err != nil {
		return err
	}
	if found == 0 {
		return s.staleErr(ctx, c)
	}
	s.noteLogged(tallies)
	copyBack(events, evs)
	return nil
}

// staleErr tells why an update matched no row: the case is missing (ENotFound) or was changed by
// someone else (EConflict).
func (s *Store) staleErr(ctx context.Context, c *dispatcher.Case) error {
	var exists bool
	err := s.query(ctx, "the case could not be saved", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)", c.ID).Scan(&exists)
	})
	switch {
	case err != nil:
		return err
	case !exists:
		return notFound("no case %d", c.ID)
	}
	return dispatcher.Errorf(dispatcher.EConflict, "case %s was changed by someone else; reload it", c.Number)
}

// stageEvents returns copies of events with the case id and number of c filled in, and no id:
// the committer fills in the ids drawn for them.
func stageEvents(c *dispatcher.Case, events []*dispatcher.Event) []*dispatcher.Event {
	out := make([]*dispatcher.Event, len(events))
	for i, e := range events {
		cp := *e
		cp.ID, cp.CaseID, cp.Summary.Number = 0, c.ID, c.Number
		out[i] = &cp
	}
	return out
}

// copyBack hands the fields the store fills in to the caller's events.
func copyBack(events, stored []*dispatcher.Event) {
	for i, e := range events {
		e.ID, e.CaseID, e.Summary.Number = stored[i].ID, stored[i].CaseID, stored[i].Summary.Number
	}
}

// params collects the arguments of a statement and names their placeholders.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return fmt.Sprintf("$%d", len(*p))
}

// caseWrite is what one case write stores: the case (with its id and number), the version it
// replaces (0 for a new case), its events (without their ids) and its tallies.
type caseWrite struct {
	c           *dispatcher.Case
	prevVersion int64
	events      []*dispatcher.Event
	tallies     []dispatcher.Tally
}

// updateCase is the one statement of an update, made of data-modifying CTEs: the case row
// (updated if its version is still prevVersion), its units, its attachments, its events and the row of tally
// deltas appended to the tally log (fold.go). Everything but the case row joins the row written
// ("written"), so an update that finds a newer version writes nothing at all. It returns the
// number of case rows written (1 or 0).
func updateCase(w caseWrite) (sql string, args []any, slotsArg int, err error) {
	c := w.c
	body, err := encode(c)
	if err != nil {
		return "", nil, -1, err
	}
	var p params
	var q strings.Builder
	id := p.add(c.ID)
	vals := []string{p.add(c.Number), p.add(string(c.State)), p.add(c.Owner), p.add(c.Unit), p.add(c.Channel),
		p.add(c.ExternalID), p.add(c.Category), p.add(c.Routing.Jurisdiction), p.add(c.IsOverdue()),
		p.add(c.CreatedAt), p.add(c.UpdatedAt), p.add(c.NextDue), p.add(c.Version), p.add(body),
		p.add(c.IsPublic()), p.add(c.APIKey)}
	owners := p.add(nonNil(c.Owners))
	set := make([]string, len(vals), len(vals)+1)
	for i, col := range strings.Split(caseColumns, ", ") {
		set[i] = col + " = " + vals[i]
	}
	set = append(set, "seal = COALESCE(seal, "+p.add(c.Seal)+")") // a case keeps its first seal
	fmt.Fprintf(&q, `WITH written AS (
			UPDATE cases SET %s WHERE id = %s AND version = %s RETURNING id),
		gone AS (
			DELETE FROM case_units WHERE case_id = (SELECT id FROM written) AND unit <> ALL (%s::text[])),
		units AS (
			INSERT INTO case_units (unit, case_id)
			SELECT DISTINCT o.unit, w.id FROM unnest(%s::text[]) AS o (unit), written AS w
			ON CONFLICT DO NOTHING),
		media AS (
			INSERT INTO media_cases (sha256, case_id)
			SELECT DISTINCT m.sha256, w.id FROM unnest(%s::text[]) AS m (sha256), written AS w
			ON CONFLICT DO NOTHING)`, strings.Join(set, ", "), id, p.add(w.prevVersion), owners, owners,
		p.add(mediaHashes(c)))
	reportersCTE(&q, &p, c)
	slotsArg, err = eventsCTE(&q, &p, w)
	if err != nil {
		return "", nil, -1, err
	}
	logCTE(&q, &p, w.tallies)
	q.WriteString("\n\tSELECT COUNT(*) FROM written")
	return q.String(), p, slotsArg, nil
}

// reportersCTE adds the rows of the reporters index (case_reporters) that the write of c must make
// sure of (dispatcher.ReporterIndex), if it has any: most cases have none.
func reportersCTE(sql *strings.Builder, p *params, c *dispatcher.Case) {
	rows := dispatcher.ReporterIndex(c)
	if len(rows) == 0 {
		return
	}
	into, channel, phone, openid, external := make([]string, len(rows)), make([]string, len(rows)),
		make([]string, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	seq := make([]int32, len(rows))
	for i, r := range rows {
		into[i], seq[i], channel[i], phone[i], openid[i], external[i] = r.Into, int32(r.Seq), r.Channel, r.Phone, r.OpenID, r.ExternalID
	}
	fmt.Fprintf(sql, `,
		reporters AS (
			INSERT INTO case_reporters (case_id, source_id, seq, channel, phone, openid, external_id)
			SELECT t.id, w.id, r.seq, r.channel, r.phone, r.openid, r.external_id
			FROM unnest(%s::text[], %s::int[], %s::text[], %s::text[], %s::text[], %s::text[])
				AS r (into_number, seq, channel, phone, openid, external_id)
			CROSS JOIN written AS w
			JOIN cases AS t ON t.id = CASE WHEN r.into_number = '' THEN w.id
				ELSE (SELECT id FROM cases WHERE number = r.into_number) END
			ON CONFLICT DO NOTHING)`, p.add(into), p.add(seq), p.add(channel), p.add(phone), p.add(openid), p.add(external))
}

const caseColumns = "number, state, owner, unit, channel, external_id, category, jurisdiction, " +
	"overdue, created_at, updated_at, next_due, version, body, public, api_key_id"

// eventsCTE adds the insert of the events of w (each with the xid of the writing transaction and
// the id drawn for it, their slots counted from 1), and returns the index among p of its argument of event slots (-1 if w has
// no events).
func eventsCTE(sql *strings.Builder, p *params, w caseWrite) (int, error) {
	if len(w.events) == 0 {
		return -1, nil
	}
	evs, err := encodeEvents(w.events)
	if err != nil {
		return -1, err
	}
	cols := newEventArrays(len(evs))
	cols.add(evs, 1)
	slotsArg := len(*p)
	fmt.Fprintf(sql, `,
		new_events AS (
			INSERT INTO events (id, case_id, seq, type, at, xid, visible, body)
			SELECT d.ids[e.slot], w.id, e.seq, e.type, e.at, pg_current_xact_id(), e.visible,
				'{"id":' || d.ids[e.slot] || e.rest
			FROM unnest(%s::int[], %s::bigint[], %s::text[], %s::timestamptz[], %s::text[], %s::text[])
				AS e (slot, seq, type, at, visible, rest), written AS w, %s)`,
		p.add(cols.slots), p.add(cols.seqs), p.add(cols.types), p.add(cols.ats), p.add(cols.visible), p.add(cols.rests),
		drawnEventIDs)
	return slotsArg, nil
}

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}
