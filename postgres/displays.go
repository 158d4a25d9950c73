package postgres

import (
	"context"
	"errors"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// adminDisplay inserts the write's display token (only inserts with DisplayCreate) or replaces
// it by its hash.
func adminDisplay(ctx context.Context, tx pgx.Tx, w dispatcher.AdminWrite) error {
	d := w.Display
	if d == nil {
		return nil
	}
	upsert := ` ON CONFLICT (hash) DO UPDATE SET name = excluded.name, disabled = excluded.disabled`
	if w.DisplayCreate {
		upsert = ""
	}
	_, err := tx.Exec(ctx, `INSERT INTO display_tokens (hash, name, created_at, disabled) VALUES ($1, $2, $3, $4)`+upsert,
		d.Hash, d.Name, d.CreatedAt, d.Disabled)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return dispatcher.Errorf(dispatcher.EConflict, "显示屏名称 %s 已被使用 (a display named %s exists already)", d.Name, d.Name)
	}
	return err
}

// DisplayToken returns the display token with the hash.
func (s *Store) DisplayToken(ctx context.Context, hash string) (dispatcher.DisplayToken, error) {
	var out dispatcher.DisplayToken
	err := s.query(ctx, "the display token could not be read", func(ctx context.Context, q querier) error {
		ds, err := queryDisplays(ctx, q, "WHERE hash = $1", hash)
		if err == nil && len(ds) == 0 {
			return notFound("no such display token")
		}
		if err == nil {
			out = ds[0]
		}
		return err
	})
	return out, err
}

// DisplayTokens returns every display token, oldest first.
func (s *Store) DisplayTokens(ctx context.Context) ([]dispatcher.DisplayToken, error) {
	var out []dispatcher.DisplayToken
	err := s.query(ctx, "the display tokens could not be read", func(ctx context.Context, q querier) error {
		var err error
		out, err = queryDisplays(ctx, q, "ORDER BY created_at, name")
		return err
	})
	return out, err
}

func queryDisplays(ctx context.Context, q querier, tail string, args ...any) ([]dispatcher.DisplayToken, error) {
	rows, err := q.Query(ctx, "SELECT hash, name, created_at, disabled FROM display_tokens "+tail, args...)
	if err != nil {
		return nil, err
	}
	out := []dispatcher.DisplayToken{}
	var d dispatcher.DisplayToken
	_, err = pgx.ForEachRow(rows, []any{&d.Hash, &d.Name, &d.CreatedAt, &d.Disabled}, func() error {
		cp := d
		cp.CreatedAt = cp.CreatedAt.UTC()
		out = append(out, cp)
		return nil
	})
	return out, err
}

// ImportDisplayTokens writes display tokens as given (a district's copy), in one transaction.
func (s *Store) ImportDisplayTokens(ctx context.Context, ds []dispatcher.DisplayToken) error {
	return s.tx(ctx, "the display tokens could not be imported", func(ctx context.Context, tx pgx.Tx) error {
		for _, d := range ds {
			if _, err := tx.Exec(ctx, `INSERT INTO display_tokens (hash, name, created_at, disabled) VALUES ($1, $2, $3, $4)`,
				d.Hash, d.Name, d.CreatedAt, d.Disabled); err != nil {
				return err
			}
		}
		return nil
	})
}
