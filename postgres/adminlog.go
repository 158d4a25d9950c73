package postgres

import (
	"context"
	"errors"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// WriteAdmin makes one admin change and appends its log entry in one transaction.
func (s *Store) WriteAdmin(ctx context.Context, w dispatcher.AdminWrite) (int, error) {
	revoked := 0
	err := s.tx(ctx, "the change could not be saved", func(ctx context.Context, tx pgx.Tx) error {
		if err := adminAccount(ctx, tx, w); err != nil {
			return err
		}
		if w.Account != nil && w.RevokeTokens {
			tag, err := tx.Exec(ctx, "DELETE FROM tokens WHERE login = $1", w.Account.Login)
			if err != nil {
				return err
			}
			revoked = int(tag.RowsAffected())
		}
		if k := w.APIKey; k != nil {
			_, err := tx.Exec(ctx, `INSERT INTO api_keys (hash, name, created_at, disabled) VALUES ($1, $2, $3, $4)
				ON CONFLICT (hash) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
					disabled = excluded.disabled`, k.Hash, k.Name, k.CreatedAt, k.Disabled)
			if err != nil {
				return err
			}
		}
		if err := adminDisplay(ctx, tx, w); err != nil {
			return err
		}
		if err := adminReference(ctx, tx, w); err != nil {
			return err
		}
		return insertAdminEntry(ctx, tx, w.Entry)
	})
	if err != nil {
		return 0, err
	}
	return revoked, nil
}

// adminAccount inserts or replaces the write's account (only inserts with CreateOnly).
func adminAccount(ctx context.Context, tx pgx.Tx, w dispatcher.AdminWrite) error {
	a := w.Account
	if a == nil {
		return nil
	}
	body, err := encode(a)
	if err != nil {
		return err
	}
	upsert := ` ON CONFLICT (login) DO UPDATE SET name = excluded.name, role = excluded.role,
		unit = excluded.unit, disabled = excluded.disabled, password_hash = excluded.password_hash,
		created_at = excluded.created_at, body = excluded.body`
	if w.CreateOnly {
		upsert = ""
	}
	_, err = tx.Exec(ctx, `INSERT INTO accounts (login, name, role, unit, disabled, password_hash, created_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`+upsert,
		a.Login, a.Name, string(a.Role), a.Unit, a.Disabled, a.PasswordHash, a.CreatedAt, body)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return dispatcher.Errorf(dispatcher.EConflict, "账号 %s 已存在 (account %s exists already)", a.Login, a.Login)
	}
	return err
}

// adminReference saves the write's reference data over the version it was read at.
func adminReference(ctx context.Context, tx pgx.Tx, w dispatcher.AdminWrite) error {
	if w.Reference == nil {
		return nil
	}
	body, err := encode(w.Reference)
	if err != nil {
		return err
	}
	tag, err := tx.Exec(ctx, "UPDATE reference SET version = version + 1, saved_at = now(), body = $1 WHERE id = 1 AND version = $2",
		body, w.ReferenceVersion)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return dispatcher.Errorf(dispatcher.EConflict, "参考数据已被他人修改，请刷新后重试 (the reference data was changed by someone else since it was read: reload and try again)")
	}
	return nil
}

func insertAdminEntry(ctx context.Context, tx pgx.Tx, e *dispatcher.AdminEntry) error {
	body, err := encode(e)
	if err != nil {
		return err
	}
	return tx.QueryRow(ctx, "INSERT INTO admin_log (at, actor, action, target, body) VALUES ($1, $2, $3, $4, $5) RETURNING id",
		e.At, e.Actor.Login, e.Action, e.Target, body).Scan(&e.ID)
}

// AdminLog returns entries of the admin log, newest first.
func (s *Store) AdminLog(ctx context.Context, f dispatcher.AdminLogFilter) ([]*dispatcher.AdminEntry, error) {
	out := []*dispatcher.AdminEntry{}
	err := s.query(ctx, "the admin log could not be read", func(ctx context.Context, q querier) error {
		w := &where{}
		w.eq("target", f.Target)
		w.eq("action", f.Action)
		if f.Before > 0 {
			w.conds = append(w.conds, "id < "+w.arg(f.Before))
		}
		rows, err := q.Query(ctx, "SELECT id, body FROM admin_log"+w.String()+" ORDER BY id DESC LIMIT "+w.arg(pageSize(f.Limit)), w.args...)
		if err != nil {
			return err
		}
		var id int64
		var body string
		_, err = pgx.ForEachRow(rows, []any{&id, &body}, func() error {
			var e dispatcher.AdminEntry
			if err := decode(body, &e); err != nil {
				return err
			}
			e.ID = id
			out = append(out, &e)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
