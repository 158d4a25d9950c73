package sqlite

import (
	"context"
	"database/sql"
	"time"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// WriteAdmin makes one admin change and appends its log entry in one transaction.
func (s *Store) WriteAdmin(ctx context.Context, w dispatcher.AdminWrite) (int, error) {
	revoked := 0
	err := s.writeAlone(ctx, "the change could not be saved", func(tx *sql.Tx) error {
		if err := adminAccount(ctx, tx, w); err != nil {
			return err
		}
		if w.Account != nil && w.RevokeTokens {
			res, err := tx.ExecContext(ctx, "DELETE FROM tokens WHERE login = ?", w.Account.Login)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil {
				return err
			}
			revoked = int(n)
		}
		if err := adminAPIKey(ctx, tx, w.APIKey); err != nil {
			return err
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
func adminAccount(ctx context.Context, tx *sql.Tx, w dispatcher.AdminWrite) error {
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
	_, err = tx.ExecContext(ctx, `INSERT INTO accounts (login, name, role, unit, disabled, password_hash, created_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`+upsert,
		a.Login, a.Name, string(a.Role), a.Unit, a.Disabled, a.PasswordHash, micro(a.CreatedAt), body)
	if constraint(err, sqlite3.ErrConstraintPrimaryKey) || constraint(err, sqlite3.ErrConstraintUnique) {
		return dispatcher.Errorf(dispatcher.EConflict, "账号 %s 已存在 (account %s exists already)", a.Login, a.Login)
	}
	return err
}

func adminAPIKey(ctx context.Context, tx *sql.Tx, k *dispatcher.APIKey) error {
	if k == nil {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO api_keys (hash, name, created_at, disabled) VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
			disabled = excluded.disabled`, k.Hash, k.Name, micro(k.CreatedAt), k.Disabled)
	return err
}

// adminReference saves the write's reference data over the version it was read at.
func adminReference(ctx context.Context, tx *sql.Tx, w dispatcher.AdminWrite) error {
	if w.Reference == nil {
		return nil
	}
	body, err := encode(w.Reference)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, "UPDATE reference SET version = version + 1, saved_at = ?, body = ? WHERE id = 1 AND version = ?",
		micro(time.Now()), body, w.ReferenceVersion)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return staleReference(err)
	}
	return nil
}

func staleReference(err error) error {
	if err != nil {
		return err
	}
	return dispatcher.Errorf(dispatcher.EConflict, "参考数据已被他人修改，请刷新后重试 (the reference data was changed by someone else since it was read: reload and try again)")
}

func insertAdminEntry(ctx context.Context, tx *sql.Tx, e *dispatcher.AdminEntry) error {
	body, err := encode(e)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, "INSERT INTO admin_log (at, actor, action, target, body) VALUES (?, ?, ?, ?, ?)",
		micro(e.At), e.Actor.Login, e.Action, e.Target, body)
	if err != nil {
		return err
	}
	e.ID, err = res.LastInsertId()
	return err
}

// AdminLog returns entries of the admin log, newest first.
func (s *Store) AdminLog(ctx context.Context, f dispatcher.AdminLogFilter) ([]*dispatcher.AdminEntry, error) {
	w := &where{}
	w.eq("target", f.Target)
	w.eq("action", f.Action)
	if f.Before > 0 {
		w.add("id < ?", f.Before)
	}
	rows, err := s.r.QueryContext(ctx, "SELECT id, body FROM admin_log"+w.String()+" ORDER BY id DESC LIMIT ?",
		append(w.args, pageSize(f.Limit))...)
	if err != nil {
		return nil, storeErr(err, "the admin log could not be read")
	}
	defer rows.Close()
	out := []*dispatcher.AdminEntry{}
	for rows.Next() {
		var id int64
		var body string
		var e dispatcher.AdminEntry
		if err := rows.Scan(&id, &body); err != nil {
			return nil, storeErr(err, "the admin log could not be read")
		}
		if err := decode(body, &e); err != nil {
			return nil, storeErr(err, "the admin log could not be read")
		}
		e.ID = id
		out = append(out, &e)
	}
	return out, storeErr(rows.Err(), "the admin log could not be read")
}
