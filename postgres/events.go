package postgres

import (
	"context"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// Readers' half of the event-id scheme (the writers' half is in write.go).
//
// EventsAfter and LastEventID return only events whose xid is below a horizon H, computed by one
// statement before the statement that reads the events:
//
//	H = least(xmax of that statement's snapshot (taken at t0),
//	          the smallest xid registered in this database, read from pg_locks at t1 >= t0)
//
// where "registered" means holding the registration lock of write.go. The events are then read
// by a second statement, whose snapshot S2 is taken at t2 > t1.
//
// Claim: if the read returns event e (written by transaction T, xid(T) < H), then every event
// e' < e that ever commits is visible in S2, so the events returned after any afterID are a
// complete prefix and a reader resuming after the last one it saw skips nothing.
//
// Proof. Let W be the writer of e' (if W = T, e' is visible with e). Ids are drawn in the order
// of the event-id lock, so W took the lock before T, hence xid(W) < xid(T), and W registered
// before T took the lock. A snapshot's xmax is one past the latest completed xid, so
// xid(T) < H <= xmax(t0) means that xid(T) had been assigned by t0, and W had registered before
// that. If W were still running at t1, its registration would have been in pg_locks at t1,
// making H <= xid(W) < xid(T), which contradicts xid(T) < H. So W had ended by t1: it either
// aborted (e' never exists) or committed, and then it is visible in S2, since PostgreSQL makes a
// commit visible to new snapshots before it releases the transaction's locks. QED.
//
// Why not simply xid < pg_snapshot_xmin(pg_current_snapshot())? That horizon is also correct,
// but it is held back by every transaction of the cluster that has an xid: a long write in
// another database on the same server, or an autovacuum ANALYZE, would freeze the event stream
// of every hub until it ended. The registrations are per database (advisory locks are) and only
// event writers take them, so H is held back only by event writers of this hub, for the few
// milliseconds of their transactions.
//
// A writer's events stay invisible to readers until every writer that drew smaller ids has
// committed or rolled back; a reader that finds nothing new simply reads again on its next
// wake-up.
const sqlHorizon = `SELECT LEAST(
		pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
		(SELECT MIN(((l.classid::bigint - $1) << 32) | l.objid::bigint)
			FROM pg_locks l
			WHERE l.locktype = 'advisory' AND l.objsubid = 2 AND l.granted
				AND l.classid::bigint BETWEEN $1 AND $1 + 255
				AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())))`

// horizon is H of the comment above. The statements that use it must start after it returned.
func horizon(ctx context.Context, q querier) (uint64, error) {
	var h int64
	err := q.QueryRow(ctx, sqlHorizon, regBase).Scan(&h)
	return uint64(h), err
}

const eventColumns = "id, case_id, seq, visible, body"

// EventsAfter returns up to limit (0: 100) events with ID > afterID in ID order, stopping before
// the first event that a transaction still in flight could yet precede (see above).
func (s *Store) EventsAfter(ctx context.Context, afterID int64, limit int) ([]*dispatcher.Event, error) {
	var evs []*dispatcher.Event
	err := s.query(ctx, "the events could not be read", func(ctx context.Context, q querier) error {
		h, err := horizon(ctx, q)
		if err != nil {
			return err
		}
		evs, err = queryEvents(ctx, q, "SELECT "+eventColumns+
			" FROM events WHERE id > $1 AND xid < $2 ORDER BY id LIMIT $3", afterID, h, pageSize(limit))
		return err
	})
	return evs, err
}

// LastEventID is the highest event ID below which every event that will ever exist is already
// readable: a reader can resume from it without missing anything.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.query(ctx, "the events could not be read", func(ctx context.Context, q querier) error {
		h, err := horizon(ctx, q)
		if err != nil {
			return err
		}
		err = q.QueryRow(ctx, "SELECT id FROM events WHERE xid < $1 ORDER BY id DESC LIMIT 1", h).Scan(&id)
		if err == pgx.ErrNoRows {
			id, err = 0, nil
		}
		return err
	})
	return id, err
}

// CaseEvents returns a case's events in Seq order; ENotFound if there is no such case.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]*dispatcher.Event, error) {
	var evs []*dispatcher.Event
	err := s.query(ctx, "the events could not be read", func(ctx context.Context, q querier) error {
		var err error
		evs, err = queryEvents(ctx, q, "SELECT "+eventColumns+" FROM events WHERE case_id = $1 ORDER BY seq", caseID)
		if err != nil || len(evs) > 0 {
			return err
		}
		var exists bool
		if err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1)", caseID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return notFound("no case %d", caseID)
		}
		return nil
	})
	return evs, err
}

func queryEvents(ctx context.Context, q querier, sql string, args ...any) ([]*dispatcher.Event, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	evs := []*dispatcher.Event{}
	var id, caseID, seq int64
	var visible, body string
	_, err = pgx.ForEachRow(rows, []any{&id, &caseID, &seq, &visible, &body}, func() error {
		var e dispatcher.Event
		if err := decode(body, &e); err != nil {
			return err
		}
		e.ID, e.CaseID, e.Seq = id, caseID, seq
		if err := decode(visible, &e.Visible); err != nil {
			return err
		}
		evs = append(evs, &e)
		return nil
	})
	return evs, err
}

// defaultLimit is the page size when the caller asks for 0 (or less).
const defaultLimit = 100

func pageSize(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return limit
}

// ListEvents returns up to f.Limit (0: 100) events that f selects, in ID order. A feed reads a
// window of time again and again, so it needs no horizon: an event whose transaction commits late
// is found by the next read of its window.
func (s *Store) ListEvents(ctx context.Context, f dispatcher.EventFilter) ([]*dispatcher.Event, error) {
	w := &where{}
	if len(f.Types) > 0 {
		w.conds = append(w.conds, "type = ANY ("+w.arg(f.Types)+")")
	}
	timeBound(w, "at >=", f.From)
	timeBound(w, "at <", f.To)
	if f.Published || f.APIKey != "" {
		cases := &where{args: w.args}
		readers(cases, dispatcher.CaseFilter{Published: f.Published, APIKey: f.APIKey})
		w.conds = append(w.conds, "case_id IN (SELECT id FROM cases"+cases.String()+")")
		w.args = cases.args
	}
	sql := "SELECT " + eventColumns + " FROM events" + w.String() + " ORDER BY id LIMIT " + w.arg(pageSize(f.Limit))
	var evs []*dispatcher.Event
	err := s.query(ctx, "the events could not be read", func(ctx context.Context, q querier) error {
		var err error
		evs, err = queryEvents(ctx, q, sql, w.args...)
		return err
	})
	return evs, err
}
