package sqlite

import (
	"context"
	"database/sql"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// adminDisplay inserts the write's display token (only inserts with DisplayCreate) or replaces
// it by its hash.
func adminDisplay(ctx context.Context, tx *sql.Tx, w dispatcher.AdminWrite) error {
	d := w.Display
	if d == nil {
		return nil
	}
	upsert := ` ON CONFLICT (hash) DO UPDATE SET name = excluded.name, disabled = excluded.disabled`
	if w.DisplayCreate {
		upsert = ""
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO display_tokens (hash, name, created_at, disabled) VALUES (?, ?, ?, ?)`+upsert,
		d.Hash, d.Name, micro(d.CreatedAt), d.Disabled)
	if constraint(err, sqlite3.ErrConstraintPrimaryKey) || constraint(err, sqlite3.ErrConstraintUnique) {
		return displayTaken(d.Name)
	}
	return err
}

func displayTaken(name string) error {
	return dispatcher.Errorf(dispatcher.EConflict, "显示屏名称 %s 已被使用 (a display named %s exists already)", name, name)
}

// DisplayToken returns the display token with the hash.
func (s *Store) DisplayToken(ctx context.Context, hash string) (dispatcher.DisplayToken, error) {
	ds, err := s.displays(ctx, "WHERE hash = ?", hash)
	if err == nil && len(ds) == 0 {
		return dispatcher.DisplayToken{}, notFound("no such display token")
	}
	if err != nil {
		return dispatcher.DisplayToken{}, err
	}
	return ds[0], nil
}

// DisplayTokens returns every display token, oldest first.
func (s *Store) DisplayTokens(ctx context.Context) ([]dispatcher.DisplayToken, error) {
	return s.displays(ctx, "ORDER BY created_at, name")
}

func (s *Store) displays(ctx context.Context, tail string, args ...any) ([]dispatcher.DisplayToken, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT hash, name, created_at, disabled FROM display_tokens "+tail, args...)
	if err != nil {
		return nil, storeErr(err, "the display tokens could not be read")
	}
	defer rows.Close()
	out := []dispatcher.DisplayToken{}
	for rows.Next() {
		var d dispatcher.DisplayToken
		var created int64
		if err := rows.Scan(&d.Hash, &d.Name, &created, &d.Disabled); err != nil {
			return nil, storeErr(err, "the display tokens could not be read")
		}
		d.CreatedAt = fromMicro(created)
		out = append(out, d)
	}
	return out, storeErr(rows.Err(), "the display tokens could not be read")
}
