package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"cityhub/dispatcher"

	"golang.org/x/mod/sumdb/tlog"
)

// The rows as stored, for the audit (dispatcher.AuditSource).

var _ dispatcher.AuditSource = (*Store)(nil)

// ReadForAudit runs fn with a reader whose reads all see one snapshot of the database (one read
// transaction; in WAL mode the writer goes on meanwhile).
func (s *Store) ReadForAudit(ctx context.Context, fn func(dispatcher.AuditReader) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return storeErr(err, "the store could not be read for the audit")
	}
	defer tx.Rollback()
	return fn(auditReader{tx})
}

// auditReader reads for the audit inside one read transaction.
type auditReader struct{ tx *sql.Tx }

var _ dispatcher.AuditReader = auditReader{}

// StoredCases returns up to limit cases with an ID above afterID, in ID order, with their
// columns, case_units rows and events as stored.
func (r auditReader) StoredCases(ctx context.Context, afterID int64, limit int) ([]*dispatcher.StoredCase, error) {
	out, err := storedCases(ctx, r.tx, afterID, limit)
	return out, storeErr(err, "the cases could not be read")
}

func storedCases(ctx context.Context, tx *sql.Tx, afterID int64, limit int) ([]*dispatcher.StoredCase, error) {
	out, err := storedCaseRows(ctx, tx, afterID, pageSize(limit))
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[int64]*dispatcher.StoredCase, len(out))
	for _, sc := range out {
		byID[sc.Case.ID] = sc
	}
	lo, hi := out[0].Case.ID, out[len(out)-1].Case.ID
	if err := attachUnits(ctx, tx, byID, lo, hi); err != nil {
		return nil, err
	}
	return out, attachEvents(ctx, tx, byID, lo, hi)
}

const storedCaseColumns = "id, " + caseColumns + ", seal"

func storedCaseRows(ctx context.Context, tx *sql.Tx, afterID int64, limit int) ([]*dispatcher.StoredCase, error) {
	rows, err := tx.QueryContext(ctx, "SELECT "+storedCaseColumns+" FROM cases WHERE id > ? ORDER BY id LIMIT ?", afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*dispatcher.StoredCase
	for rows.Next() {
		sc, err := scanStoredCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

func scanStoredCase(rows *sql.Rows) (*dispatcher.StoredCase, error) {
	var id, created, updated int64
	var due sql.NullInt64
	var body string
	var seal []byte
	var col dispatcher.CaseColumns
	if err := rows.Scan(&id, &col.Number, &col.State, &col.Owner, &col.Unit, &col.Channel, &col.ExternalID,
		&col.Category, &col.Jurisdiction, &col.Overdue, &created, &updated, &due, &col.Version, &body, &col.Public, &col.APIKey, &seal); err != nil {
		return nil, err
	}
	col.CreatedAt, col.UpdatedAt = fromMicro(created), fromMicro(updated)
	if due.Valid {
		t := fromMicro(due.Int64)
		col.NextDue = &t
	}
	c, err := decodeCase(id, body)
	if err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	c.Seal = seal
	return &dispatcher.StoredCase{Case: c, Columns: col}, nil
}

func attachUnits(ctx context.Context, tx *sql.Tx, byID map[int64]*dispatcher.StoredCase, lo, hi int64) error {
	units, err := queryCaseUnits(ctx, tx, "SELECT case_id, unit FROM case_units WHERE case_id BETWEEN ? AND ?", lo, hi)
	for _, u := range units {
		if sc := byID[u.CaseID]; sc != nil {
			sc.Units = append(sc.Units, u.Unit)
		}
	}
	return err
}

func queryCaseUnits(ctx context.Context, q querier, query string, args ...any) ([]dispatcher.CaseUnit, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dispatcher.CaseUnit
	for rows.Next() {
		var u dispatcher.CaseUnit
		if err := rows.Scan(&u.CaseID, &u.Unit); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// attachEvents adds to each case its events; events of the range whose case is not in it (a
// case row deleted) are left to StrayRows.
func attachEvents(ctx context.Context, tx *sql.Tx, byID map[int64]*dispatcher.StoredCase, lo, hi int64) error {
	evs, err := queryStoredEvents(ctx, tx, "WHERE case_id BETWEEN ? AND ? ORDER BY case_id, seq", lo, hi)
	for _, e := range evs {
		if sc := byID[e.CaseID]; sc != nil {
			sc.Events = append(sc.Events, e)
		}
	}
	return err
}

const storedEventColumns = "id, case_id, seq, type, at, visible, body"

func queryStoredEvents(ctx context.Context, q querier, where string, args ...any) ([]*dispatcher.StoredEvent, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+storedEventColumns+" FROM events "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*dispatcher.StoredEvent
	for rows.Next() {
		e, err := scanStoredEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanStoredEvent(rows *sql.Rows) (*dispatcher.StoredEvent, error) {
	var e dispatcher.Event
	var typ, visible, body string
	var at int64
	if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &typ, &at, &visible, &body); err != nil {
		return nil, err
	}
	id, caseID, seq := e.ID, e.CaseID, e.Seq
	if err := decode(body, &e); err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	e.ID, e.CaseID, e.Seq = id, caseID, seq
	if err := decode(visible, &e.Visible); err != nil {
		return nil, fmt.Errorf("event %d: visible: %w", id, err)
	}
	return &dispatcher.StoredEvent{Event: &e, TypeColumn: typ, AtColumn: fromMicro(at)}, nil
}

// StrayRows returns the events and case_units rows whose case is not in the cases table.
func (r auditReader) StrayRows(ctx context.Context) ([]*dispatcher.StoredEvent, []dispatcher.CaseUnit, error) {
	evs, err := queryStoredEvents(ctx, r.tx, "WHERE case_id NOT IN (SELECT id FROM cases) ORDER BY id")
	if err != nil {
		return nil, nil, storeErr(err, "the events could not be read")
	}
	units, err := queryCaseUnits(ctx, r.tx,
		"SELECT case_id, unit FROM case_units WHERE case_id NOT IN (SELECT id FROM cases) ORDER BY case_id, unit")
	return evs, units, storeErr(err, "the case units could not be read")
}

// Tallies calls fn for every day counter and gauge.
func (r auditReader) Tallies(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	return storeErr(exportTallies(ctx, r.tx, fn), "the tallies could not be read")
}

// TallyMonths calls fn for every month rollup, in key order.
func (r auditReader) TallyMonths(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	return storeErr(eachTally(ctx, r.tx, "SELECT month, dim, key, measure, count FROM tally_months ORDER BY dim, month, key, measure", fn),
		"the tallies could not be read")
}

func eachTally(ctx context.Context, q querier, query string, fn func(dispatcher.TallyRecord) error) error {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var t dispatcher.TallyRecord
		if err := rows.Scan(&t.Day, &t.Dim, &t.Key, &t.Measure, &t.Count); err != nil {
			return err
		}
		if err := fn(t); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (r auditReader) LogSize(ctx context.Context) (int64, error) {
	n, err := logSize(ctx, r.tx)
	return n, storeErr(err, "the audit log could not be read")
}

func (r auditReader) LogLeaves(ctx context.Context, from int64, limit int) ([]dispatcher.LogLeaf, error) {
	out, err := logLeaves(ctx, r.tx, from, limit)
	return out, storeErr(err, "the audit log could not be read")
}

func (r auditReader) LogHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	hs, err := readHashes(ctx, r.tx, indexes)
	return hs, storeErr(err, "the audit log could not be read")
}

func (r auditReader) Checkpoints(ctx context.Context) ([]dispatcher.Checkpoint, error) {
	cs, err := checkpoints(ctx, r.tx)
	return cs, storeErr(err, "the checkpoints could not be read")
}
