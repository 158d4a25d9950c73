package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"
)

// The rows as stored, for the audit (dispatcher.AuditSource).

var _ dispatcher.AuditSource = (*Store)(nil)

// ReadForAudit runs fn with a reader whose reads all see one snapshot of the database: one
// read-only REPEATABLE READ transaction, which takes as long as the audit does (it has no
// deadline of its own).
func (s *Store) ReadForAudit(ctx context.Context, fn func(dispatcher.AuditReader) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return s.storeErr(err, "the store could not be read for the audit")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(auditReader{tx})
}

// auditReader reads for the audit inside one transaction.
type auditReader struct{ tx pgx.Tx }

var _ dispatcher.AuditReader = auditReader{}

// StoredCases returns up to limit cases with an ID above afterID, in ID order, with their
// columns, case_units rows and events as stored.
func (r auditReader) StoredCases(ctx context.Context, afterID int64, limit int) ([]*dispatcher.StoredCase, error) {
	out, err := storedCases(ctx, r.tx, afterID, pageSize(limit))
	return out, storeErr(err, "the cases could not be read")
}

const storedCaseColumns = "id, " + caseColumns + ", seal"

func storedCases(ctx context.Context, q querier, afterID int64, limit int) ([]*dispatcher.StoredCase, error) {
	rows, err := q.Query(ctx, "SELECT "+storedCaseColumns+" FROM cases WHERE id > $1 ORDER BY id LIMIT $2", afterID, limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanStoredCase)
	if err != nil || len(out) == 0 {
		return out, err
	}
	byID := make(map[int64]*dispatcher.StoredCase, len(out))
	for _, sc := range out {
		byID[sc.Case.ID] = sc
	}
	lo, hi := out[0].Case.ID, out[len(out)-1].Case.ID
	units, err := queryCaseUnits(ctx, q, "SELECT case_id, unit FROM case_units WHERE case_id BETWEEN $1 AND $2", lo, hi)
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		if sc := byID[u.CaseID]; sc != nil {
			sc.Units = append(sc.Units, u.Unit)
		}
	}
	evs, err := queryStoredEvents(ctx, q, "WHERE case_id BETWEEN $1 AND $2 ORDER BY case_id, seq", lo, hi)
	for _, e := range evs { // events of the range whose case is missing are left to StrayRows
		if sc := byID[e.CaseID]; sc != nil {
			sc.Events = append(sc.Events, e)
		}
	}
	return out, err
}

func scanStoredCase(row pgx.CollectableRow) (*dispatcher.StoredCase, error) {
	var id int64
	var body string
	var seal []byte
	var col dispatcher.CaseColumns
	if err := row.Scan(&id, &col.Number, &col.State, &col.Owner, &col.Unit, &col.Channel, &col.ExternalID,
		&col.Category, &col.Jurisdiction, &col.Overdue, &col.CreatedAt, &col.UpdatedAt, &col.NextDue,
		&col.Version, &body, &col.Public, &col.APIKey, &seal); err != nil {
		return nil, err
	}
	col.CreatedAt, col.UpdatedAt, col.NextDue = col.CreatedAt.UTC(), col.UpdatedAt.UTC(), utcPtr(col.NextDue)
	var c dispatcher.Case
	if err := decode(body, &c); err != nil {
		return nil, fmt.Errorf("case %d: %w", id, err)
	}
	c.ID, c.Seal = id, slices.Clone(seal)
	return &dispatcher.StoredCase{Case: &c, Columns: col}, nil
}

func queryCaseUnits(ctx context.Context, q querier, sql string, args ...any) ([]dispatcher.CaseUnit, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (dispatcher.CaseUnit, error) {
		var u dispatcher.CaseUnit
		return u, row.Scan(&u.CaseID, &u.Unit)
	})
}

const storedEventColumns = "id, case_id, seq, type, at, visible, body"

func queryStoredEvents(ctx context.Context, q querier, where string, args ...any) ([]*dispatcher.StoredEvent, error) {
	rows, err := q.Query(ctx, "SELECT "+storedEventColumns+" FROM events "+where, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanStoredEvent)
}

func scanStoredEvent(row pgx.CollectableRow) (*dispatcher.StoredEvent, error) {
	var id, caseID, seq int64
	var typ, visible, body string
	var at time.Time
	if err := row.Scan(&id, &caseID, &seq, &typ, &at, &visible, &body); err != nil {
		return nil, err
	}
	var e dispatcher.Event
	if err := decode(body, &e); err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	e.ID, e.CaseID, e.Seq = id, caseID, seq
	if err := decode(visible, &e.Visible); err != nil {
		return nil, fmt.Errorf("event %d: visible: %w", id, err)
	}
	return &dispatcher.StoredEvent{Event: &e, TypeColumn: typ, AtColumn: at.UTC()}, nil
}

// StrayRows returns the events and case_units rows whose case is not in the cases table.
func (r auditReader) StrayRows(ctx context.Context) ([]*dispatcher.StoredEvent, []dispatcher.CaseUnit, error) {
	evs, err := queryStoredEvents(ctx, r.tx,
		"AS e WHERE NOT EXISTS (SELECT 1 FROM cases AS c WHERE c.id = e.case_id) ORDER BY id")
	if err != nil {
		return nil, nil, storeErr(err, "the events could not be read")
	}
	units, err := queryCaseUnits(ctx, r.tx, `SELECT case_id, unit FROM case_units AS u
		WHERE NOT EXISTS (SELECT 1 FROM cases AS c WHERE c.id = u.case_id) ORDER BY case_id, unit`)
	return evs, units, storeErr(err, "the case units could not be read")
}

// Tallies calls fn for every day counter and gauge, the tally log not yet folded included.
func (r auditReader) Tallies(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	return storeErr(eachTally(ctx, r.tx, exportTalliesSQL, fn), "the tallies could not be read")
}

// exportMonthsSQL reads the month rollups and the month part of the log rows not yet folded
// (fold.go), as Tallies counts them.
const exportMonthsSQL = `SELECT month, dim, key, measure, SUM(count)::bigint FROM (
		SELECT dim, month, key, measure, count FROM tally_months
		UNION ALL
		SELECT dim, left(day, 7), key, measure, delta FROM (
			SELECT unnest(dim) AS dim, unnest(day) AS day, unnest(key) AS key, unnest(measure) AS measure,
				unnest(delta) AS delta, unnest(monthly) AS monthly FROM tally_log) AS u
		WHERE monthly
	) AS parts GROUP BY dim, month, key, measure ORDER BY dim, month, key, measure`

// TallyMonths calls fn for every month rollup.
func (r auditReader) TallyMonths(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	return storeErr(eachTally(ctx, r.tx, exportMonthsSQL, fn), "the tallies could not be read")
}

func eachTally(ctx context.Context, q querier, sql string, fn func(dispatcher.TallyRecord) error) error {
	rows, err := q.Query(ctx, sql)
	if err != nil {
		return err
	}
	var t dispatcher.TallyRecord
	_, err = pgx.ForEachRow(rows, []any{&t.Day, &t.Dim, &t.Key, &t.Measure, &t.Count}, func() error {
		return fn(t)
	})
	return err
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
