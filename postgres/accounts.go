package postgres

import (
	"context"
	"errors"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// SaveReference replaces the reference data.
func (s *Store) SaveReference(ctx context.Context, ref *dispatcher.Reference) error {
	body, err := encode(ref)
	if err != nil {
		return storeErr(err, "the reference data could not be saved")
	}
	return s.query(ctx, "the reference data could not be saved", func(ctx context.Context, q querier) error {
		_, err := q.Exec(ctx, `INSERT INTO reference (id, version, saved_at, body) VALUES (1, 1, now(), $1)
			ON CONFLICT (id) DO UPDATE SET version = reference.version + 1, saved_at = excluded.saved_at,
				body = excluded.body`, body)
		return err
	})
}

// Reference returns the reference data last saved.
func (s *Store) Reference(ctx context.Context) (*dispatcher.Reference, error) {
	var ref dispatcher.Reference
	err := s.query(ctx, "the reference data could not be read", func(ctx context.Context, q querier) error {
		var body string
		err := q.QueryRow(ctx, "SELECT body FROM reference WHERE id = 1").Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no reference data was ever saved")
		}
		if err != nil {
			return err
		}
		return decode(body, &ref)
	})
	if err != nil {
		return nil, err
	}
	return &ref, nil
}

// PutAccount inserts or replaces the account with a.Login. (An upsert, so that replacing an
// account keeps its tokens.)
func (s *Store) PutAccount(ctx context.Context, a *dispatcher.Account) error {
	body, err := encode(a)
	if err != nil {
		return storeErr(err, "the account could not be saved")
	}
	return s.query(ctx, "the account could not be saved", func(ctx context.Context, q querier) error {
		_, err := q.Exec(ctx, `INSERT INTO accounts
			(login, name, role, unit, disabled, password_hash, created_at, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (login) DO UPDATE SET name = excluded.name, role = excluded.role,
				unit = excluded.unit, disabled = excluded.disabled, password_hash = excluded.password_hash,
				created_at = excluded.created_at, body = excluded.body`,
			a.Login, a.Name, string(a.Role), a.Unit, a.Disabled, a.PasswordHash, a.CreatedAt, body)
		return err
	})
}

const accountColumns = "a.body, a.password_hash"

// Account returns the account with the login.
func (s *Store) Account(ctx context.Context, login string) (*dispatcher.Account, error) {
	return s.oneAccount(ctx, "SELECT "+accountColumns+" FROM accounts a WHERE a.login = $1",
		[]any{login}, notFound("no account %s", login))
}

// Accounts returns every account, ordered by login.
func (s *Store) Accounts(ctx context.Context) ([]*dispatcher.Account, error) {
	var out []*dispatcher.Account
	err := s.query(ctx, "the accounts could not be read", func(ctx context.Context, q querier) error {
		var err error
		out, err = queryAccounts(ctx, q, "SELECT "+accountColumns+" FROM accounts a ORDER BY a.login")
		return err
	})
	return out, err
}

// TokenAccount returns the account of a token that exists and has not expired at now (now is
// before its ExpiresAt), and the token; ENotFound otherwise, expired or not.
func (s *Store) TokenAccount(ctx context.Context, hash string, now time.Time) (*dispatcher.Account, *dispatcher.Token, error) {
	var a dispatcher.Account
	var t dispatcher.Token
	err := s.query(ctx, "the token could not be read", func(ctx context.Context, q querier) error {
		var body string
		var used *time.Time
		err := q.QueryRow(ctx, "SELECT "+accountColumns+", "+tokenColumns+
			" FROM tokens t JOIN accounts a ON a.login = t.login WHERE t.hash = $1 AND t.expires_at > $2",
			hash, now).Scan(&body, &a.PasswordHash, &t.Hash, &t.Login, &t.CreatedAt, &t.ExpiresAt, &used)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no such token, or it has expired")
		}
		if err != nil {
			return err
		}
		setTokenTimes(&t, used)
		return decode(body, &a)
	})
	if err != nil {
		return nil, nil, err
	}
	return &a, &t, nil
}

const tokenColumns = "t.hash, t.login, t.created_at, t.expires_at, t.last_used_at"

// Tokens returns every token that has not expired at now, ordered by hash.
func (s *Store) Tokens(ctx context.Context, now time.Time) ([]*dispatcher.Token, error) {
	out := []*dispatcher.Token{}
	err := s.query(ctx, "the tokens could not be read", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, "SELECT "+tokenColumns+" FROM tokens t WHERE t.expires_at > $1 ORDER BY t.hash", now)
		if err != nil {
			return err
		}
		var t dispatcher.Token
		var used *time.Time
		_, err = pgx.ForEachRow(rows, []any{&t.Hash, &t.Login, &t.CreatedAt, &t.ExpiresAt, &used}, func() error {
			cp := t
			setTokenTimes(&cp, used)
			out = append(out, &cp)
			return nil
		})
		return err
	})
	return out, err
}

// setTokenTimes puts a token's times in UTC and its last use, if any.
func setTokenTimes(t *dispatcher.Token, used *time.Time) {
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC(), time.Time{}
	if used != nil {
		t.LastUsedAt = used.UTC()
	}
}

// TouchToken records a use of a token that still exists and has not expired at usedAt.
func (s *Store) TouchToken(ctx context.Context, hash string, usedAt, expiresAt time.Time) error {
	return s.query(ctx, "the token could not be saved", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, "UPDATE tokens SET last_used_at = $1, expires_at = $2 WHERE hash = $3 AND expires_at > $1",
			usedAt, expiresAt, hash)
		if err == nil && tag.RowsAffected() == 0 {
			return notFound("no such token, or it has expired")
		}
		return err
	})
}

// DeleteToken removes a token.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	return s.query(ctx, "the token could not be revoked", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM tokens WHERE hash = $1", hash)
		if err == nil && tag.RowsAffected() == 0 {
			return notFound("no such token")
		}
		return err
	})
}

// DeleteAccountTokens removes every token of an account.
func (s *Store) DeleteAccountTokens(ctx context.Context, login string) (int, error) {
	var n int
	err := s.query(ctx, "the tokens could not be revoked", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM tokens WHERE login = $1", login)
		n = int(tag.RowsAffected())
		return err
	})
	return n, err
}

func (s *Store) oneAccount(ctx context.Context, sql string, args []any, missing error) (*dispatcher.Account, error) {
	var a *dispatcher.Account
	err := s.query(ctx, "the account could not be read", func(ctx context.Context, q querier) error {
		as, err := queryAccounts(ctx, q, sql, args...)
		if err == nil && len(as) == 0 {
			return missing
		}
		if err == nil {
			a = as[0]
		}
		return err
	})
	return a, err
}

func queryAccounts(ctx context.Context, q querier, sql string, args ...any) ([]*dispatcher.Account, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out := []*dispatcher.Account{}
	var body, hash string
	_, err = pgx.ForEachRow(rows, []any{&body, &hash}, func() error {
		var a dispatcher.Account
		if err := decode(body, &a); err != nil {
			return err
		}
		a.PasswordHash = hash
		out = append(out, &a)
		return nil
	})
	return out, err
}

// PutToken stores a bearer token; ENotFound if its account does not exist.
func (s *Store) PutToken(ctx context.Context, t dispatcher.Token) error {
	return s.query(ctx, "the token could not be saved", func(ctx context.Context, q querier) error {
		var used *time.Time
		if !t.LastUsedAt.IsZero() {
			used = &t.LastUsedAt
		}
		_, err := q.Exec(ctx, `INSERT INTO tokens (hash, login, created_at, expires_at, last_used_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (hash) DO UPDATE SET login = excluded.login, created_at = excluded.created_at,
				expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`,
			t.Hash, t.Login, t.CreatedAt, t.ExpiresAt, used)
		if pgCode(err) == "23503" { // foreign key: no such account
			return notFound("no account %s", t.Login)
		}
		return err
	})
}

// PutAPIKey stores (or replaces) an Open311 api key.
func (s *Store) PutAPIKey(ctx context.Context, k dispatcher.APIKey) error {
	return s.query(ctx, "the api key could not be saved", func(ctx context.Context, q querier) error {
		_, err := q.Exec(ctx, `INSERT INTO api_keys (hash, name, created_at, disabled)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (hash) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
				disabled = excluded.disabled`,
			k.Hash, k.Name, k.CreatedAt, k.Disabled)
		return err
	})
}

// APIKey returns the api key with the hash.
func (s *Store) APIKey(ctx context.Context, hash string) (*dispatcher.APIKey, error) {
	var k *dispatcher.APIKey
	err := s.query(ctx, "the api key could not be read", func(ctx context.Context, q querier) error {
		keys, err := queryAPIKeys(ctx, q, "SELECT hash, name, created_at, disabled FROM api_keys WHERE hash = $1", hash)
		if err == nil && len(keys) == 0 {
			return notFound("no such api key")
		}
		if err == nil {
			k = keys[0]
		}
		return err
	})
	return k, err
}

func queryAPIKeys(ctx context.Context, q querier, sql string, args ...any) ([]*dispatcher.APIKey, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	out := []*dispatcher.APIKey{}
	var k dispatcher.APIKey
	_, err = pgx.ForEachRow(rows, []any{&k.Hash, &k.Name, &k.CreatedAt, &k.Disabled}, func() error {
		cp := k
		cp.CreatedAt = cp.CreatedAt.UTC()
		out = append(out, &cp)
		return nil
	})
	return out, err
}

// InitReference saves the reference data only if none was ever saved, and says whether it did.
// Of several instances starting at once on an empty database exactly one wins (the primary key
// of the one reference row decides).
func (s *Store) InitReference(ctx context.Context, ref *dispatcher.Reference) (bool, error) {
	body, err := encode(ref)
	if err != nil {
		return false, storeErr(err, "the reference data could not be saved")
	}
	var saved bool
	err = s.query(ctx, "the reference data could not be saved", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, `INSERT INTO reference (id, version, saved_at, body) VALUES (1, 1, now(), $1)
			ON CONFLICT (id) DO NOTHING`, body)
		saved = tag.RowsAffected() == 1
		return err
	})
	return saved, err
}

// ReferenceVersion is 0 before any reference data is saved, then grows with every save.
func (s *Store) ReferenceVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.query(ctx, "the reference data could not be read", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, "SELECT COALESCE((SELECT version FROM reference WHERE id = 1), 0)").Scan(&v)
	})
	return v, err
}
