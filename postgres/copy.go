package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// Copying a district (dispatcher.Exporter, dispatcher.Importer).
//
// Tallies travel as their day counters and gauges only (the rows of tallies, plus the deltas of
// the tally log not yet folded). The month rollups are not exported: ImportTallies adds each day
// counter to its month as a fold does, so the copy's tally_months is rebuilt from the rows
// imported and cannot disagree with them. ImportTallies writes the counters directly, not
// through the log.
//
// Imported events keep their ids and take the xid of the importing transaction, which registers
// like any event writer (write.go), so a reader never sees part of a batch. The importer must
// have the target store to itself: ids are taken as given, not drawn under the event-id lock, so
// a hub writing at the same time could not be kept in order with them.

// exportTalliesSQL reads the counters and the log rows not yet folded in one statement, so under
// one snapshot (see fold.go).
const exportTalliesSQL = `SELECT day, dim, key, measure, SUM(count)::bigint FROM (
		SELECT dim, day, key, measure, count FROM tallies
		UNION ALL
		SELECT unnest(dim), unnest(day), unnest(key), unnest(measure), unnest(delta) FROM tally_log
	) AS parts GROUP BY dim, day, key, measure ORDER BY dim, day, key, measure`

// ExportTallies calls fn for every stored tally (day counters and gauges), in key order.
func (s *Store) ExportTallies(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.storeErr(eachTally(ctx, s.pool, exportTalliesSQL, fn), "the tallies could not be read")
}

// APIKeys returns every api key with its hash, ordered by hash.
func (s *Store) APIKeys(ctx context.Context) ([]*dispatcher.APIKey, error) {
	var out []*dispatcher.APIKey
	err := s.query(ctx, "the api keys could not be read", func(ctx context.Context, q querier) error {
		var err error
		out, err = queryAPIKeys(ctx, q, "SELECT hash, name, created_at, disabled FROM api_keys ORDER BY hash")
		return err
	})
	return out, err
}

// ImportCases writes cases and their events exactly as given (IDs, numbers, hashes), in one
// transaction, with COPY.
func (s *Store) ImportCases(ctx context.Context, cases []*dispatcher.Case, events [][]*dispatcher.Event) error {
	if len(cases) != len(events) {
		return dispatcher.Errorf(dispatcher.EInvalid, "ImportCases: %d cases but %d event lists", len(cases), len(events))
	}
	caseRows := make([][]any, len(cases))
	var unitRows, mediaRows, eventRows [][]any
	for i, c := range cases {
		body, err := encode(c)
		if err != nil {
			return storeErr(err, "the cases could not be imported")
		}
		caseRows[i] = []any{c.ID, c.Number, string(c.State), c.Owner, c.Unit, c.Channel, c.ExternalID,
			c.Category, c.Routing.Jurisdiction, c.IsOverdue(), c.CreatedAt, c.UpdatedAt, c.NextDue,
			c.Version, body, c.IsPublic(), c.APIKey, c.Seal}
		owners := slices.Clone(c.Owners)
		slices.Sort(owners)
		for _, u := range slices.Compact(owners) {
			unitRows = append(unitRows, []any{u, c.ID})
		}
		hashes := mediaHashes(c)
		slices.Sort(hashes)
		for _, h := range slices.Compact(hashes) {
			mediaRows = append(mediaRows, []any{h, c.ID})
		}
		for _, e := range events[i] {
			body, err := encode(e)
			if err != nil {
				return storeErr(err, "the cases could not be imported")
			}
			vis, err := encode(nonNil(e.Visible))
			if err != nil {
				return storeErr(err, "the cases could not be imported")
			}
			eventRows = append(eventRows, []any{e.ID, e.CaseID, e.Seq, e.Type, e.At, nil, vis, body})
		}
	}
	return s.tx(ctx, "the cases could not be imported", func(ctx context.Context, tx pgx.Tx) error {
		var xid uint64
		if err := tx.QueryRow(ctx, "SELECT pg_current_xact_id()").Scan(&xid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, sqlRegister, regBase); err != nil {
			return err
		}
		for _, r := range eventRows {
			r[5] = xid
		}
		cols := append(append([]string{"id"}, strings.Split(caseColumns, ", ")...), "seal")
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"cases"}, cols, pgx.CopyFromRows(caseRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"case_units"}, []string{"unit", "case_id"},
			pgx.CopyFromRows(unitRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"media_cases"}, []string{"sha256", "case_id"},
			pgx.CopyFromRows(mediaRows)); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"id", "case_id", "seq", "type", "at", "xid", "visible", "body"}, pgx.CopyFromRows(eventRows)); err != nil {
			return err
		}
		return importReporters(ctx, tx, cases)
	})
}

// importReporters indexes the imported cases' later reporters (case_reporters), as their writes
// would have: a case merged into another comes after it, so that one is already there.
func importReporters(ctx context.Context, tx pgx.Tx, cases []*dispatcher.Case) error {
	for _, c := range cases {
		var q strings.Builder
		var p params
		id := p.add(c.ID)
		fmt.Fprintf(&q, "WITH written AS (SELECT %s::bigint AS id)", id)
		reportersCTE(&q, &p, c)
		if len(p) == 1 {
			continue
		}
		q.WriteString("\n\tSELECT 1")
		if _, err := tx.Exec(ctx, q.String(), p...); err != nil {
			return err
		}
	}
	return nil
}

// ImportTallies adds rows to the counters and gauges (and the day counters to their months), in
// one transaction. Rows are written as given, those with a count of 0 included.
func (s *Store) ImportTallies(ctx context.Context, rows []dispatcher.TallyRecord) error {
	tallies := make([]dispatcher.Tally, len(rows))
	for i, r := range rows {
		tallies[i] = dispatcher.Tally{Day: r.Day, Dim: r.Dim, Key: r.Key, Measure: r.Measure, Delta: r.Count}
	}
	days, months, dayN, monthN := sumTallies(tallies)
	return s.tx(ctx, "the tallies could not be imported", func(ctx context.Context, tx pgx.Tx) error {
		for _, part := range []struct {
			table, period string
			keys          []tallyKey
			ns            []int64
		}{{"tallies", "day", days, dayN}, {"tally_months", "month", months, monthN}} {
			if len(part.keys) == 0 {
				continue
			}
			var p params
			if _, err := tx.Exec(ctx, upsertSQL(&p, part.table, part.period, part.keys, part.ns), p...); err != nil {
				return err
			}
		}
		return nil
	})
}

// tx runs fn in a transaction and commits.
func (s *Store) tx(ctx context.Context, what string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	ctx, cancel := withTimeout(ctx)
	defer cancel()
	return s.storeErr(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return fn(ctx, tx) }), what)
}

// FinishImport moves the case and event id sequences past the highest imported ids (never back).
func (s *Store) FinishImport(ctx context.Context) error {
	return s.query(ctx, "the import could not be finished", func(ctx context.Context, q querier) error {
		for _, t := range []struct{ seq, table string }{{"case_ids", "cases"}, {"event_ids", "events"}} {
			_, err := q.Exec(ctx, `SELECT setval('`+t.seq+`', m) FROM (SELECT GREATEST(
					(SELECT MAX(id) FROM `+t.table+`),
					(SELECT CASE WHEN is_called THEN last_value END FROM `+t.seq+`)) AS m) AS top
				WHERE m IS NOT NULL`)
			if err != nil {
				return err
			}
		}
		return nil
	})
}
