package sqlite

import (
	"context"
	"database/sql"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// copyEvents copies the events so that a failed transaction leaves the caller's untouched.
func copyEvents(events []*dispatcher.Event) []*dispatcher.Event {
	out := make([]*dispatcher.Event, len(events))
	for i, e := range events {
		cp := *e
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

// insertEvents appends evs to case c, giving them IDs. Writes are serialized, so the IDs of a
// committed transaction are above those of every earlier one: a reader resuming after the last ID
// it saw misses nothing.
func insertEvents(ctx context.Context, tx *sql.Tx, c *dispatcher.Case, evs []*dispatcher.Event) error {
	if len(evs) == 0 {
		return nil
	}
	id, err := nextID(ctx, tx, "events")
	if err != nil {
		return err
	}
	for _, e := range evs {
		e.ID, e.CaseID, e.Summary.Number = id, c.ID, c.Number
		if err := insertEvent(ctx, tx, e); err != nil {
			return err
		}
		id++
	}
	return nil
}

func insertEvent(ctx context.Context, tx *sql.Tx, e *dispatcher.Event) error {
	body, err := encode(e)
	if err != nil {
		return err
	}
	visible, err := encode(e.Visible)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (id, case_id, seq, type, at, visible, body)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, e.CaseID, e.Seq, e.Type, micro(e.At), visible, body)
	if constraint(err, sqlite3.ErrConstraintUnique) {
		return &dispatcher.Error{Code: dispatcher.EConflict,
			Message: "the case already has an event with this sequence number", Err: err}
	}
	return err
}

const eventColumns = "id, case_id, seq, visible, body"

// CaseEvents returns a case's events in Seq order; ENotFound if there is no such case.
func (s *Store) CaseEvents(ctx context.Context, caseID int64) ([]*dispatcher.Event, error) {
	var evs []*dispatcher.Event
	err := s.read(ctx, "the events could not be read", func(tx *sql.Tx) error {
		var err error
		evs, err = queryEvents(ctx, tx,
			"SELECT "+eventColumns+" FROM events WHERE case_id = ? ORDER BY seq", caseID)
		if err != nil || len(evs) > 0 {
			return err
		}
		return caseExists(ctx, tx, caseID)
	})
	return evs, err
}

func caseExists(ctx context.Context, tx *sql.Tx, id int64) error {
	var exists bool
	err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)", id).Scan(&exists)
	if err == nil && !exists {
		return notFound("no case %d", id)
	}
	return err
}

// EventsAfter returns up to limit (0: 100) events with ID > afterID in ID order.
func (s *Store) EventsAfter(ctx context.Context, afterID int64, limit int) ([]*dispatcher.Event, error) {
	evs, err := queryEvents(ctx, s.r,
		"SELECT "+eventColumns+" FROM events WHERE id > ? ORDER BY id LIMIT ?", afterID, pageSize(limit))
	return evs, storeErr(err, "the events could not be read")
}

// LastEventID is the highest event ID. Every event below it has committed, because writes are
// serialized.
func (s *Store) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	err := s.r.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&id)
	return id, storeErr(err, "the events could not be read")
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func queryEvents(ctx context.Context, q querier, query string, args ...any) ([]*dispatcher.Event, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	evs := []*dispatcher.Event{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}

func scanEvent(rows *sql.Rows) (*dispatcher.Event, error) {
	var e dispatcher.Event
	var visible, body string
	if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &visible, &body); err != nil {
		return nil, err
	}
	id, caseID, seq := e.ID, e.CaseID, e.Seq
	if err := decode(body, &e); err != nil {
		return nil, err
	}
	e.ID, e.CaseID, e.Seq = id, caseID, seq
	return &e, decode(visible, &e.Visible)
}

// ListEvents returns up to f.Limit (0: 100) events that f selects, in ID order.
func (s *Store) ListEvents(ctx context.Context, f dispatcher.EventFilter) ([]*dispatcher.Event, error) {
	w := &where{}
	w.in("type", anys(f.Types, func(t string) any { return t }))
	timeBound(w, "at >= ?", f.From)
	timeBound(w, "at < ?", f.To)
	if f.Published || f.APIKey != "" {
		cases := &where{}
		readers(cases, dispatcher.CaseFilter{Published: f.Published, APIKey: f.APIKey})
		w.add("case_id IN (SELECT id FROM cases"+cases.String()+")", cases.args...)
	}
	evs, err := queryEvents(ctx, s.r, "SELECT "+eventColumns+" FROM events"+w.String()+" ORDER BY id LIMIT ?",
		append(w.args, pageSize(f.Limit))...)
	return evs, storeErr(err, "the events could not be read")
}
