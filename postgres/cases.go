package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// Case returns the case with the given ID.
func (s *Store) Case(ctx context.Context, id int64) (*dispatcher.Case, error) {
	return s.oneCase(ctx, "id = $1", id, notFound("no case %d", id))
}

// CaseByNumber returns the case with the given number.
func (s *Store) CaseByNumber(ctx context.Context, number string) (*dispatcher.Case, error) {
	return s.oneCase(ctx, "number = $1", number, notFound("no case %s", number))
}

// CaseByExternalID returns the case made from a channel's message.
func (s *Store) CaseByExternalID(ctx context.Context, channel, externalID string) (*dispatcher.Case, error) {
	if externalID == "" {
		return nil, notFound("no case for an empty %s message id", channel)
	}
	var c *dispatcher.Case
	err := s.query(ctx, "the case could not be read", func(ctx context.Context, q querier) error {
		cs, err := queryCases(ctx, q, "SELECT id, body, seal FROM cases WHERE channel = $1 AND external_id = $2 AND external_id <> ''", // the partial index's predicate
			channel, externalID)
		if err == nil && len(cs) == 0 { // a message that joined an open case of the same problem (Case.Reports)
			cs, err = queryCases(ctx, q, `SELECT id, body, seal FROM cases WHERE id = (SELECT case_id FROM case_reporters
				WHERE channel = $1 AND external_id = $2 AND external_id <> '' AND source_id = case_id LIMIT 1)`, channel, externalID)
		}
		if err == nil && len(cs) == 0 {
			return notFound("no case for %s message %s", channel, externalID)
		}
		if err == nil {
			c = cs[0]
		}
		return err
	})
	return c, err
}

func (s *Store) oneCase(ctx context.Context, where string, arg any, missing error) (*dispatcher.Case, error) {
	var c *dispatcher.Case
	err := s.query(ctx, "the case could not be read", func(ctx context.Context, q querier) error {
		cs, err := queryCases(ctx, q, "SELECT id, body, seal FROM cases WHERE "+where, arg)
		if err == nil && len(cs) == 0 {
			return missing
		}
		if err == nil {
			c = cs[0]
		}
		return err
	})
	return c, err
}

func queryCases(ctx context.Context, q querier, sql string, args ...any) ([]*dispatcher.Case, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	cases := []*dispatcher.Case{}
	var id int64
	var body string
	var seal []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &body, &seal}, func() error {
		var c dispatcher.Case
		if err := decode(body, &c); err != nil {
			return err
		}
		c.ID, c.Seal = id, slices.Clone(seal)
		cases = append(cases, &c)
		return nil
	})
	return cases, err
}

// ListCases returns one page of the cases f selects, in ID order, and how many it selects.
func (s *Store) ListCases(ctx context.Context, f dispatcher.CaseFilter) (dispatcher.CasePage, error) {
	w := caseWhere(f)
	order := "ASC"
	if f.Newest {
		order = "DESC"
	}
	page := dispatcher.CasePage{Cases: []*dispatcher.Case{}}
	err := s.query(ctx, "the cases could not be listed", func(ctx context.Context, q querier) error {
		// One statement, so that the page and the total come from one snapshot. The matching ids
		// are collected once, counted, and paged; only the page's bodies are read. A page past
		// the end still returns one row, with the total and no case.
		rows, err := q.Query(ctx, `WITH matching AS MATERIALIZED (SELECT id FROM cases`+w.String()+`),
			page AS (SELECT id FROM matching ORDER BY id `+order+` LIMIT `+w.arg(pageSize(f.Limit))+
			` OFFSET `+w.arg(max(f.Offset, 0))+`)
			SELECT total.n, c.id, c.body
			FROM (SELECT COUNT(*) AS n FROM matching) AS total
			LEFT JOIN (page JOIN cases AS c USING (id)) ON true
			ORDER BY c.id `+order, w.args...)
		if err != nil {
			return err
		}
		var total int64
		var id *int64
		var body *string
		_, err = pgx.ForEachRow(rows, []any{&total, &id, &body}, func() error {
			page.Total = int(total)
			if id == nil {
				return nil
			}
			var c dispatcher.Case
			if err := decode(*body, &c); err != nil {
				return err
			}
			c.ID = *id
			page.Cases = append(page.Cases, &c)
			return nil
		})
		return err
	})
	if err != nil {
		return dispatcher.CasePage{}, err
	}
	return page, nil
}

// where is a conjunction of SQL conditions and their arguments ($1, $2, ...).
type where struct {
	conds []string
	args  []any
}

// arg adds an argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// eq adds col = v unless v is empty.
func (w *where) eq(col, v string) {
	if v != "" {
		w.conds = append(w.conds, col+" = "+w.arg(v))
	}
}

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

func caseWhere(f dispatcher.CaseFilter) *where {
	w := &where{}
	if len(f.IDs) > 0 {
		w.conds = append(w.conds, "id = ANY ("+w.arg(f.IDs)+")")
	}
	if len(f.Numbers) > 0 {
		w.conds = append(w.conds, "number = ANY ("+w.arg(f.Numbers)+")")
	}
	if len(f.States) > 0 {
		w.conds = append(w.conds, "state = ANY ("+w.arg(states(f.States))+")")
	}
	if f.Open != nil {
		if *f.Open {
			w.conds = append(w.conds, "state = ANY ("+w.arg(states(dispatcher.OpenStates))+")")
		} else {
			w.conds = append(w.conds, "state <> ALL ("+w.arg(states(dispatcher.OpenStates))+")")
		}
	}
	w.eq("unit", f.Unit)
	w.eq("owner", f.Owner)
	w.eq("category", f.Category)
	if len(f.Categories) > 0 {
		w.conds = append(w.conds, "category = ANY ("+w.arg(f.Categories)+")")
	}
	w.eq("channel", f.Channel)
	w.eq("jurisdiction", f.Jurisdiction)
	if f.VisibleTo != "" {
		w.conds = append(w.conds, "id IN (SELECT case_id FROM case_units WHERE unit = "+w.arg(f.VisibleTo)+")")
	}
	if f.Overdue != nil { // a literal, so that the partial index on overdue applies
		if *f.Overdue {
			w.conds = append(w.conds, "overdue")
		} else {
			w.conds = append(w.conds, "NOT overdue")
		}
	}
	if t := f.OpenOrUpdatedSince; !t.IsZero() {
		w.conds = append(w.conds, "(state = ANY ("+w.arg(states(dispatcher.OpenStates))+") OR updated_at >= "+w.arg(t)+")")
	}
	// A reporter's cases: the first reporter (the expression indexes cases_reporter_phone and
	// cases_reporter_openid, migrations 0007 and 0012) or a later one (case_reporters, 0013).
	if f.Phone != "" {
		p := w.arg(f.Phone)
		w.conds = append(w.conds, "((body::jsonb #>> '{reporter,phone}') = "+p+
			" OR id IN (SELECT case_id FROM case_reporters WHERE phone = "+p+" AND phone <> ''))")
	}
	if f.OpenID != "" {
		o := w.arg(f.OpenID)
		w.conds = append(w.conds, "(((body::jsonb #>> '{reporter,openid}') = "+o+" AND (body::jsonb #>> '{reporter,openid}') IS NOT NULL)"+
			" OR id IN (SELECT case_id FROM case_reporters WHERE openid = "+o+" AND openid <> ''))")
	}
	if f.MergedInto != "" {
		w.conds = append(w.conds, "id IN (SELECT source_id FROM case_reporters WHERE case_id = (SELECT id FROM cases WHERE number = "+
			w.arg(f.MergedInto)+") AND source_id <> case_id)")
	}
	if len(f.ExceptStates) > 0 {
		w.conds = append(w.conds, "state <> ALL ("+w.arg(states(f.ExceptStates))+")")
	}
	if f.Review != "" { // the expression of the partial index cases_review (migration 0012)
		w.conds = append(w.conds, "(body::jsonb #>> '{review}') = "+w.arg(f.Review)+" AND (body::jsonb #>> '{review}') IS NOT NULL")
	}
	if len(f.Cells) > 0 { // the expression of the index cases_cell (migration 0010)
		w.conds = append(w.conds, "(body::jsonb #>> '{routing,cell}') = ANY ("+w.arg(f.Cells)+")")
	}
	readers(w, f)
	eventMatch(w, f.Event)
	timeBound(w, "created_at >=", f.CreatedFrom)
	timeBound(w, "created_at <", f.CreatedTo)
	timeBound(w, "updated_at >", f.UpdatedAfter)
	timeBound(w, "updated_at <", f.UpdatedBefore)
	return w
}

// readers adds CaseFilter.Published and APIKey: what the public, or one api key, may read.
func readers(w *where, f dispatcher.CaseFilter) {
	switch {
	case f.Published && f.APIKey != "":
		w.conds = append(w.conds, "(public OR api_key_id = "+w.arg(f.APIKey)+")")
	case f.Published:
		w.conds = append(w.conds, "public")
	case f.APIKey != "":
		w.conds = append(w.conds, "api_key_id = "+w.arg(f.APIKey))
	}
}

func timeBound(w *where, cond string, t time.Time) {
	if !t.IsZero() {
		w.conds = append(w.conds, cond+" "+w.arg(t))
	}
}

func states(ss []dispatcher.State) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// DueCases returns the IDs of the cases whose NextDue is at or before now, earliest first.
func (s *Store) DueCases(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	var ids []int64
	err := s.query(ctx, "the due cases could not be read", func(ctx context.Context, q querier) error {
		var err error
		ids, err = queryIDs(ctx, q, `SELECT id FROM cases WHERE next_due IS NOT NULL AND next_due <= $1
			ORDER BY next_due, id LIMIT $2`, now, pageSize(limit))
		return err
	})
	return ids, err
}

// CaseIDs returns up to limit (0: 100) case IDs above afterID, in ascending order.
func (s *Store) CaseIDs(ctx context.Context, afterID int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.query(ctx, "the case ids could not be read", func(ctx context.Context, q querier) error {
		var err error
		ids, err = queryIDs(ctx, q, "SELECT id FROM cases WHERE id > $1 ORDER BY id LIMIT $2", afterID, pageSize(limit))
		return err
	})
	return ids, err
}

func queryIDs(ctx context.Context, q querier, sql string, args ...any) ([]int64, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if ids == nil {
		ids = []int64{}
	}
	return ids, err
}

// eventMatch adds CaseFilter.Event: a range of the index events_type_at (migration 0009) per type,
// looking into an event's data only for Require, and at a case's later events only for Latest.
func eventMatch(w *where, m *dispatcher.EventMatch) {
	if m == nil {
		return
	}
	types := w.arg(m.Types)
	cond := "id IN (SELECT e.case_id FROM events e WHERE e.type = ANY (" + types + ") AND e.at >= " +
		w.arg(m.From) + " AND e.at < " + w.arg(m.To)
	if m.Unit != "" {
		unit := w.arg(m.Unit)
		cond += " AND e.case_id IN (SELECT case_id FROM case_units WHERE unit = " + unit + ")" +
			" AND coalesce(e.body::jsonb #>> '{data,unit}', e.body::jsonb #>> '{case,unit}') = " + unit
	}
	switch m.Require {
	case dispatcher.RequireOnTime:
		cond += " AND (e.body::jsonb #>> '{data,on_time}') = 'true'"
	case dispatcher.RequireSatisfied:
		cond += " AND (e.body::jsonb #>> '{data,satisfaction}') <> 'dissatisfied'"
	}
	if m.Latest {
		cond += " AND NOT EXISTS (SELECT 1 FROM events l WHERE l.case_id = e.case_id AND l.seq > e.seq AND l.type = ANY (" +
			types + "))"
	}
	w.conds = append(w.conds, cond+")")
}
