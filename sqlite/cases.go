package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// CreateCase inserts c, its events and its tallies in one transaction. c and events are changed
// (ID, Number, CaseID, Summary.Number) only once the transaction has committed.
func (s *Store) CreateCase(ctx context.Context, c *dispatcher.Case, events []*dispatcher.Event,
	tallies []dispatcher.Tally) error {
	stored := *c
	evs := copyEvents(events)
	err := s.write(ctx, "the case could not be saved", func(ctx context.Context, tx *sql.Tx) error {
		id, err := nextID(ctx, tx, "cases")
		if err != nil {
			return err
		}
		stored.ID, stored.Number = id, dispatcher.CompleteNumber(c.Number, id)
		if err := insertCase(ctx, tx, &stored); err != nil {
			return err
		}
		return writeRest(ctx, tx, &stored, evs, tallies)
	})
	if err != nil {
		return err
	}
	c.ID, c.Number = stored.ID, stored.Number
	copyBack(events, evs)
	return nil
}

// UpdateCase writes c if the stored version is still prevVersion, with its new events and
// tallies, in one transaction. A case keeps the first seal it is given.
func (s *Store) UpdateCase(ctx context.Context, c *dispatcher.Case, prevVersion int64,
	events []*dispatcher.Event, tallies []dispatcher.Tally) error {
	evs := copyEvents(events)
	err := s.write(ctx, "the case could not be saved", func(ctx context.Context, tx *sql.Tx) error {
		if err := updateCase(ctx, tx, c, prevVersion); err != nil {
			return err
		}
		return writeRest(ctx, tx, c, evs, tallies)
	})
	if err != nil {
		return err
	}
	copyBack(events, evs)
	return nil
}

// writeRest writes what follows a case row: its units, its attachments, its events and the tallies.
func writeRest(ctx context.Context, tx *sql.Tx, c *dispatcher.Case, evs []*dispatcher.Event,
	tallies []dispatcher.Tally) error {
	if err := putCaseUnits(ctx, tx, c); err != nil {
		return err
	}
	if err := putCaseMedia(ctx, tx, c); err != nil {
		return err
	}
	if err := putCaseReporters(ctx, tx, c); err != nil {
		return err
	}
	if err := insertEvents(ctx, tx, c, evs); err != nil {
		return err
	}
	return addTallies(ctx, tx, tallies)
}

// nextID is the ID the next row of an AUTOINCREMENT table will get. Only the writer connection,
// inside its transaction (which holds the database's write lock), may ask.
func nextID(ctx context.Context, tx *sql.Tx, table string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx,
		"SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0) + 1", table).Scan(&id)
	return id, err
}

const caseColumns = `number, state, owner, unit, channel, external_id, category, jurisdiction,
	overdue, created_at, updated_at, next_due, version, body, public, api_key_id`

// caseValues are the values of caseColumns for c.
func caseValues(c *dispatcher.Case) ([]any, error) {
	body, err := encode(c)
	if err != nil {
		return nil, err
	}
	return []any{c.Number, string(c.State), c.Owner, c.Unit, c.Channel, c.ExternalID, c.Category,
		c.Routing.Jurisdiction, c.IsOverdue(), micro(c.CreatedAt), micro(c.UpdatedAt),
		microPtr(c.NextDue), c.Version, body, c.IsPublic(), c.APIKey}, nil
}

func insertCase(ctx context.Context, tx *sql.Tx, c *dispatcher.Case) error {
	vals, err := caseValues(c)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO cases (id, seal, "+caseColumns+
		") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", append([]any{c.ID, c.Seal}, vals...)...)
	return uniqueErr(err, c)
}

func updateCase(ctx context.Context, tx *sql.Tx, c *dispatcher.Case, prevVersion int64) error {
	vals, err := caseValues(c)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE cases SET number = ?, state = ?, owner = ?, unit = ?,
		channel = ?, external_id = ?, category = ?, jurisdiction = ?, overdue = ?, created_at = ?,
		updated_at = ?, next_due = ?, version = ?, body = ?, public = ?, api_key_id = ?,
		seal = COALESCE(seal, ?)
		WHERE id = ? AND version = ?`, append(vals, c.Seal, c.ID, prevVersion)...)
	if err != nil {
		return uniqueErr(err, c)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var exists bool
	if err := tx.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)",
		c.ID).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return notFound("no case %d", c.ID)
	}
	return dispatcher.Errorf(dispatcher.EConflict, "case %s was changed by someone else; reload it", c.Number)
}

// uniqueErr maps the violation of a unique index of cases to EDuplicate (the channel message was
// already accepted) or EConflict (the number is taken).
func uniqueErr(err error, c *dispatcher.Case) error {
	if !constraint(err, sqlite3.ErrConstraintUnique) {
		return err
	}
	if strings.Contains(err.Error(), "external_id") {
		return &dispatcher.Error{Code: dispatcher.EDuplicate,
			Message: "this " + c.Channel + " message was already accepted", Err: err}
	}
	return &dispatcher.Error{Code: dispatcher.EConflict, Message: "case number " + c.Number + " is taken", Err: err}
}

// putCaseUnits makes case_units hold exactly c.Owners.
func putCaseUnits(ctx context.Context, tx *sql.Tx, c *dispatcher.Case) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM case_units WHERE case_id = ?", c.ID); err != nil {
		return err
	}
	for _, u := range c.Owners {
		if _, err := tx.ExecContext(ctx,
			"INSERT OR IGNORE INTO case_units (unit, case_id) VALUES (?, ?)", u, c.ID); err != nil {
			return err
		}
	}
	return nil
}

// putCaseReporters indexes the reporters a case has besides its first (case_reporters): its joined
// reports, and, once it is merged into another case, its own reporters under that case. Reports
// only ever grow, so rows are only added.
func putCaseReporters(ctx context.Context, tx *sql.Tx, c *dispatcher.Case) error {
	for _, r := range dispatcher.ReporterIndex(c) {
		target := "?"
		args := []any{c.ID}
		if r.Into != "" {
			target, args = "(SELECT id FROM cases WHERE number = ?)", []any{r.Into}
		}
		args = append(args, c.ID, r.Seq, r.Channel, r.Phone, r.OpenID, r.ExternalID)
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO case_reporters
			(case_id, source_id, seq, channel, phone, openid, external_id)
			SELECT `+target+`, ?, ?, ?, ?, ?, ? WHERE `+target+` IS NOT NULL`, append(args, args[:1]...)...); err != nil {
			return err
		}
	}
	return nil
}

// Case returns the case with the given ID.
func (s *Store) Case(ctx context.Context, id int64) (*dispatcher.Case, error) {
	return s.oneCase(ctx, "WHERE id = ?", []any{id}, notFound("no case %d", id))
}

// CaseByNumber returns the case with the given number.
func (s *Store) CaseByNumber(ctx context.Context, number string) (*dispatcher.Case, error) {
	return s.oneCase(ctx, "WHERE number = ?", []any{number}, notFound("no case %s", number))
}

// CaseByExternalID returns the case made from a channel's message.
func (s *Store) CaseByExternalID(ctx context.Context, channel, externalID string) (*dispatcher.Case, error) {
	if externalID == "" {
		return nil, notFound("no case for an empty %s message id", channel)
	}
	// external_id <> '' lets SQLite use the partial unique index cases_external, which it cannot
	// prove from a bound parameter alone: without it every lookup scans the channel's cases.
	missing := notFound("no case for %s message %s", channel, externalID)
	c, err := s.oneCase(ctx, "WHERE channel = ? AND external_id = ? AND external_id <> ''", []any{channel, externalID}, missing)
	if dispatcher.ErrorCode(err) != dispatcher.ENotFound {
		return c, err
	}
	// A message that joined an open case of the same problem (Case.Reports).
	return s.oneCase(ctx, `WHERE id = (SELECT case_id FROM case_reporters
		WHERE channel = ? AND external_id = ? AND external_id <> '' AND source_id = case_id LIMIT 1)`,
		[]any{channel, externalID}, missing)
}

// oneCase reads the case the where clause selects, or returns missing.
func (s *Store) oneCase(ctx context.Context, where string, args []any, missing error) (*dispatcher.Case, error) {
	var id int64
	var body string
	var seal []byte
	err := s.r.QueryRowContext(ctx, "SELECT id, body, seal FROM cases "+where, args...).Scan(&id, &body, &seal)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	}
	if err != nil {
		return nil, storeErr(err, "the case could not be read")
	}
	c, err := decodeCase(id, body)
	if c != nil {
		c.Seal = seal
	}
	return c, storeErr(err, "the case could not be read")
}

func decodeCase(id int64, body string) (*dispatcher.Case, error) {
	var c dispatcher.Case
	if err := decode(body, &c); err != nil {
		return nil, err
	}
	c.ID = id
	return &c, nil
}
