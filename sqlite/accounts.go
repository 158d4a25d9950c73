package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/dispatcher"

	"github.com/mattn/go-sqlite3"
)

// PutAccount inserts or replaces the account with a.Login. (An upsert, not a REPLACE: replacing
// an account keeps its tokens.)
func (s *Store) PutAccount(ctx context.Context, a *dispatcher.Account) error {
	body, err := encode(a)
	if err != nil {
		return storeErr(err, "the account could not be saved")
	}
	_, err = s.w.ExecContext(ctx, `INSERT INTO accounts
		(login, name, role, unit, disabled, password_hash, created_at, body)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (login) DO UPDATE SET name = excluded.name, role = excluded.role,
			unit = excluded.unit, disabled = excluded.disabled, password_hash = excluded.password_hash,
			created_at = excluded.created_at, body = excluded.body`,
		a.Login, a.Name, string(a.Role), a.Unit, a.Disabled, a.PasswordHash, micro(a.CreatedAt), body)
	return storeErr(err, "the account could not be saved")
}

const accountColumns = "a.body, a.password_hash"

// Account returns the account with the login.
func (s *Store) Account(ctx context.Context, login string) (*dispatcher.Account, error) {
	row := s.r.QueryRowContext(ctx, "SELECT "+accountColumns+" FROM accounts a WHERE a.login = ?", login)
	return scanAccount(row, notFound("no account %s", login))
}

// Accounts returns every account, ordered by login.
func (s *Store) Accounts(ctx context.Context) ([]*dispatcher.Account, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+accountColumns+" FROM accounts a ORDER BY a.login")
	if err != nil {
		return nil, storeErr(err, "the accounts could not be read")
	}
	defer rows.Close()
	out := []*dispatcher.Account{}
	for rows.Next() {
		a, err := scanAccount(rows, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, storeErr(rows.Err(), "the accounts could not be read")
}

type scanner interface{ Scan(dest ...any) error }

func scanAccount(row scanner, missing error) (*dispatcher.Account, error) {
	var a dispatcher.Account
	var body, hash string
	err := row.Scan(&body, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	}
	if err == nil {
		err = decode(body, &a)
	}
	if err != nil {
		return nil, storeErr(err, "the account could not be read")
	}
	a.PasswordHash = hash
	return &a, nil
}

// PutToken stores a bearer token; ENotFound if its account does not exist.
func (s *Store) PutToken(ctx context.Context, t dispatcher.Token) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO tokens (hash, login, created_at, expires_at)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET login = excluded.login, created_at = excluded.created_at,
			expires_at = excluded.expires_at`,
		t.Hash, t.Login, micro(t.CreatedAt), micro(t.ExpiresAt))
	if constraint(err, sqlite3.ErrConstraintForeignKey) {
		return notFound("no account %s", t.Login)
	}
	return storeErr(err, "the token could not be saved")
}

// TokenAccount returns the account of a token that exists and has not expired at now (now is
// before its ExpiresAt); ENotFound otherwise, expired or not.
func (s *Store) TokenAccount(ctx context.Context, hash string, now time.Time) (*dispatcher.Account, error) {
	row := s.r.QueryRowContext(ctx, "SELECT "+accountColumns+
		" FROM tokens t JOIN accounts a ON a.login = t.login WHERE t.hash = ? AND t.expires_at > ?",
		hash, micro(now))
	return scanAccount(row, notFound("no such token, or it has expired"))
}

// PutAPIKey stores (or replaces) an Open311 api key.
func (s *Store) PutAPIKey(ctx context.Context, k dispatcher.APIKey) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO api_keys (hash, name, created_at, disabled)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET name = excluded.name, created_at = excluded.created_at,
			disabled = excluded.disabled`,
		k.Hash, k.Name, micro(k.CreatedAt), k.Disabled)
	return storeErr(err, "the api key could not be saved")
}

// APIKey returns the api key with the hash.
func (s *Store) APIKey(ctx context.Context, hash string) (*dispatcher.APIKey, error) {
	k := dispatcher.APIKey{Hash: hash}
	var created int64
	err := s.r.QueryRowContext(ctx, "SELECT name, created_at, disabled FROM api_keys WHERE hash = ?",
		hash).Scan(&k.Name, &created, &k.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no such api key")
	}
	if err != nil {
		return nil, storeErr(err, "the api key could not be read")
	}
	k.CreatedAt = fromMicro(created)
	return &k, nil
}
