package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// ListCases returns one page of the cases f selects, in ID order, and how many it selects.
func (s *Store) ListCases(ctx context.Context, f dispatcher.CaseFilter) (dispatcher.CasePage, error) {
	if f.Event != nil {
		return s.listEventCases(ctx, f)
	}
	w := caseWhere(f)
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	page := dispatcher.CasePage{Cases: []*dispatcher.Case{}}
	err := s.read(ctx, "the cases could not be listed", func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM cases"+w.String(), w.args...).Scan(&page.Total)
		if err != nil || page.Total == 0 {
			return err
		}
		args := append(w.args[:len(w.args):len(w.args)], pageSize(f.Limit), max(f.Offset, 0))
		page.Cases, err = queryCases(ctx, tx,
			"SELECT id, body FROM cases"+w.String()+" ORDER BY id "+order+" LIMIT ? OFFSET ?", args...)
		return err
	})
	if err != nil {
		return dispatcher.CasePage{}, err
	}
	return page, nil
}

// listEventCases lists the cases behind a measure (CaseFilter.Event) in one pass: the matching
// events drive (an index range per type), each case's row is read by its id only when f has
// conditions on the cases, and the ids come back sorted, so the total is their number and the
// page a slice of them, whose bodies are then read.
func (s *Store) listEventCases(ctx context.Context, f dispatcher.CaseFilter) (dispatcher.CasePage, error) {
	w := caseWhere(f)
	sub, args := eventCases(f.Event)
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	q := "SELECT case_id FROM (" + sub + ") ORDER BY case_id " + order
	if len(w.conds) > 0 {
		q = "SELECT cases.id FROM (" + sub + ") AS m CROSS JOIN cases ON cases.id = m.case_id" + w.String() +
			" ORDER BY cases.id " + order
		args = append(args, w.args...)
	}
	page := dispatcher.CasePage{Cases: []*dispatcher.Case{}}
	err := s.read(ctx, "the cases could not be listed", func(tx *sql.Tx) error {
		ids, err := queryIDs(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		page.Total = len(ids)
		lo := min(max(f.Offset, 0), len(ids))
		ids = ids[lo:min(lo+pageSize(f.Limit), len(ids))]
		if len(ids) == 0 {
			return nil
		}
		page.Cases, err = queryCases(ctx, tx, "SELECT id, body FROM cases WHERE id IN ("+placeholders(len(ids))+
			") ORDER BY id "+order, anys(ids, func(id int64) any { return id })...)
		return err
	})
	if err != nil {
		return dispatcher.CasePage{}, err
	}
	return page, nil
}

func queryCases(ctx context.Context, q querier, query string, args ...any) ([]*dispatcher.Case, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cases := []*dispatcher.Case{}
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			return nil, err
		}
		c, err := decodeCase(id, body)
		if err != nil {
			return nil, err
		}
		cases = append(cases, c)
	}
	return cases, rows.Err()
}

// where is a conjunction of SQL conditions and their arguments.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

// eq adds col = v unless v is empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.add(col+" = ?", v)
	}
}

// in adds col IN (vals) unless vals is empty.
func (w *where) in(col string, vals []any) {
	if len(vals) > 0 {
		w.add(col+" IN ("+placeholders(len(vals))+")", vals...)
	}
}

func placeholders(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func caseWhere(f dispatcher.CaseFilter) *where {
	w := &where{}
	// The cases of a few cells are few: the planner, which works from the schema alone (the hub
	// never runs ANALYZE), would rather take the state or category index, which may hold every open
	// case. The unary + keeps those columns' indexes out of its choice.
	state, category := "state", "category"
	if len(f.Cells) > 0 {
		state, category = "+state", "+category"
	}
	w.in("id", anys(f.IDs, func(id int64) any { return id }))
	w.in("number", anys(f.Numbers, func(n string) any { return n }))
	w.in(state, anys(f.States, stateArg))
	if f.Open != nil {
		open := anys(dispatcher.OpenStates, stateArg)
		if *f.Open {
			w.in(state, open)
		} else {
			w.add(state+" NOT IN ("+placeholders(len(open))+")", open...)
		}
	}
	w.eq("unit", f.Unit)
	w.eq("owner", f.Owner)
	w.eq(category, f.Category)
	w.in("category", anys(f.Categories, func(c string) any { return c }))
	w.eq("channel", f.Channel)
	w.eq("jurisdiction", f.Jurisdiction)
	if f.VisibleTo != "" {
		w.add("id IN (SELECT case_id FROM case_units WHERE unit = ?)", f.VisibleTo)
	}
	if f.Overdue != nil { // literal values, so that the partial index on overdue = 1 applies
		if *f.Overdue {
			w.add("overdue = 1")
		} else {
			w.add("overdue = 0")
		}
	}
	if t := f.OpenOrUpdatedSince; !t.IsZero() {
		open := anys(dispatcher.OpenStates, stateArg)
		w.add("(state IN ("+placeholders(len(open))+") OR updated_at >= ?)", append(open, micro(t))...)
	}
	// A reporter's cases: the first reporter (the expression indexes cases_reporter_phone and
	// cases_reporter_openid, migrations 0006 and 0011) or a later one (case_reporters, 0012).
	if f.Phone != "" {
		w.add("(json_extract(body, '$.reporter.phone') = ? OR id IN (SELECT case_id FROM case_reporters WHERE phone = ? AND phone <> ''))",
			f.Phone, f.Phone)
	}
	if f.OpenID != "" {
		w.add("((json_extract(body, '$.reporter.openid') = ? AND json_extract(body, '$.reporter.openid') IS NOT NULL)"+
			" OR id IN (SELECT case_id FROM case_reporters WHERE openid = ? AND openid <> ''))", f.OpenID, f.OpenID)
	}
	if f.MergedInto != "" {
		w.add("id IN (SELECT source_id FROM case_reporters WHERE case_id = (SELECT id FROM cases WHERE number = ?) AND source_id <> case_id)",
			f.MergedInto)
	}
	if len(f.ExceptStates) > 0 {
		w.add("state NOT IN ("+placeholders(len(f.ExceptStates))+")", anys(f.ExceptStates, stateArg)...)
	}
	if f.Review != "" { // the expression of the partial index cases_review (migration 0011)
		w.add("json_extract(body, '$.review') = ? AND json_extract(body, '$.review') IS NOT NULL", f.Review)
	}
	if len(f.Cells) > 0 { // the expression of the index cases_cell (migration 0009)
		w.add("json_extract(body, '$.routing.cell') IN ("+placeholders(len(f.Cells))+")",
			anys(f.Cells, func(c string) any { return c })...)
	}
	readers(w, f)
	timeBound(w, "created_at >= ?", f.CreatedFrom)
	timeBound(w, "created_at < ?", f.CreatedTo)
	timeBound(w, "updated_at > ?", f.UpdatedAfter)
	timeBound(w, "updated_at < ?", f.UpdatedBefore)
	return w
}

// readers adds CaseFilter.Published and APIKey: what the public, or one api key, may read.
func readers(w *where, f dispatcher.CaseFilter) {
	switch {
	case f.Published && f.APIKey != "":
		w.add("(public = 1 OR api_key_id = ?)", f.APIKey)
	case f.Published:
		w.add("public = 1")
	case f.APIKey != "":
		w.add("api_key_id = ?", f.APIKey)
	}
}

func timeBound(w *where, cond string, t time.Time) {
	if !t.IsZero() {
		w.add(cond, micro(t))
	}
}

func stateArg(s dispatcher.State) any { return string(s) }

func anys[T any](xs []T, f func(T) any) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// defaultLimit is the page size of EventsAfter, DueCases, CaseIDs and ListCases when the caller
// asks for 0 (or less).
const defaultLimit = 100

func pageSize(limit int) int {
	if limit <= 0 {
		return defaultLimit
	}
	return limit
}

// DueCases returns the IDs of the cases whose NextDue is at or before now, earliest first.
func (s *Store) DueCases(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	ids, err := queryIDs(ctx, s.r, `SELECT id FROM cases WHERE next_due IS NOT NULL AND next_due <= ?
		ORDER BY next_due, id LIMIT ?`, micro(now), pageSize(limit))
	return ids, storeErr(err, "the due cases could not be read")
}

// CaseIDs returns up to limit (0: 100) case IDs above afterID, in ascending order.
func (s *Store) CaseIDs(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	ids, err := queryIDs(ctx, s.r, "SELECT id FROM cases WHERE id > ? ORDER BY id LIMIT ?",
		afterID, pageSize(limit))
	return ids, storeErr(err, "the case ids could not be read")
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// eventCases is the query of the ids of the cases with an event that m matches (CaseFilter.Event),
// each once: a range of the index events_type_at (migration 0008) per type, looking into an
// event's data only for Require and Unit, and at a case's later events only for Latest (by the
// case's own events, never a scan of the type: "+l.type" keeps SQLite off events_type_at there).
func eventCases(m *dispatcher.EventMatch) (string, []any) {
	types := anys(m.Types, func(t string) any { return t })
	q := "SELECT DISTINCT e.case_id AS case_id FROM events e WHERE e.type IN (" + placeholders(len(types)) + ") AND e.at >= ? AND e.at < ?"
	args := append(append([]any{}, types...), micro(m.From), micro(m.To))
	if m.Unit != "" {
		q += ` AND e.case_id IN (SELECT case_id FROM case_units WHERE unit = ?)
			AND coalesce(json_extract(e.body, '$.data.unit'), json_extract(e.body, '$.case.unit')) = ?`
		args = append(args, m.Unit, m.Unit)
	}
	switch m.Require {
	case dispatcher.RequireOnTime:
		q += " AND json_extract(e.body, '$.data.on_time') = 1"
	case dispatcher.RequireSatisfied:
		q += " AND json_extract(e.body, '$.data.satisfaction') <> 'dissatisfied'"
	}
	if m.Latest {
		q += " AND NOT EXISTS (SELECT 1 FROM events l WHERE l.case_id = e.case_id AND l.seq > e.seq AND +l.type IN (" +
			placeholders(len(types)) + "))"
		args = append(args, types...)
	}
	return q, args
}
