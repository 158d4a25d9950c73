package sqlite

import (
	"context"
	"database/sql"

	"cityhub/dispatcher"
)

var _ dispatcher.Exporter = (*Store)(nil)

// ExportTallies calls fn for every row of tallies, day counters and gauges (day ""), in key
// order, from one read snapshot. The month rollups (tally_months) are not exported: they are
// derived from the day counters, and an importer rebuilds them from the rows it is given (the
// PostgreSQL store's ImportTallies adds each day counter to its month as it writes it).
func (s *Store) ExportTallies(ctx context.Context, fn func(dispatcher.TallyRecord) error) error {
	return s.read(ctx, "the tallies could not be read", func(tx *sql.Tx) error {
		return exportTallies(ctx, tx, fn)
	})
}

func exportTallies(ctx context.Context, q querier, fn func(dispatcher.TallyRecord) error) error {
	return eachTally(ctx, q, "SELECT day, dim, key, measure, count FROM tallies ORDER BY dim, day, key, measure", fn)
}

// APIKeys returns every api key with its hash, ordered by hash.
func (s *Store) APIKeys(ctx context.Context) ([]*dispatcher.APIKey, error) {
	out := []*dispatcher.APIKey{}
	err := s.read(ctx, "the api keys could not be read", func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, "SELECT hash, name, created_at, disabled FROM api_keys ORDER BY hash")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k dispatcher.APIKey
			var created int64
			if err := rows.Scan(&k.Hash, &k.Name, &created, &k.Disabled); err != nil {
				return err
			}
			k.CreatedAt = fromMicro(created)
			out = append(out, &k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
