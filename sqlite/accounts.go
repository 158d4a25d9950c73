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
	_, err := s.w.ExecContext(ctx, `INSERT INTO tokens (hash, login, created_at, expires_at, last_used_at)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (hash) DO UPDATE SET login = excluded.login, created_at = excluded.created_at,
			expires_at = excluded.expires_at, last_used_at = excluded.last_used_at`,
		t.Hash, t.Login, micro(t.CreatedAt), micro(t.ExpiresAt), optionalMicro(t.LastUsedAt))
	if constraint(err, sqlite3.ErrConstraintForeignKey) {
		return notFound("no account %s", t.Login)
	}
	return storeErr(err, "the token could not be saved")
}

const tokenColumns = "t.hash, t.login, t.created_at, t.expires_at, t.last_used_at"

// TokenAccount returns the account of a token that exists and has not expired at now (now is
// before its ExpiresAt), and the token; ENotFound otherwise, expired or not.
func (s *Store) TokenAccount(ctx context.Context, hash string, now time.Time) (*dispatcher.Account, *dispatcher.Token, error) {
	row := s.r.QueryRowContext(ctx, "SELECT "+accountColumns+", "+tokenColumns+
		" FROM tokens t JOIN accounts a ON a.login = t.login WHERE t.hash = ? AND t.expires_at > ?",
		hash, micro(now))
	var a dispatcher.Account
	var body string
	var tok dispatcher.Token
	var created, expires int64
	var used sql.NullInt64
	err := row.Scan(&body, &a.PasswordHash, &tok.Hash, &tok.Login, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, notFound("no such token, or it has expired")
	}
	if err == nil {
		err = decode(body, &a)
	}
	if err != nil {
		return nil, nil, storeErr(err, "the token could not be read")
	}
	setTokenTimes(&tok, created, expires, used)
	return &a, &tok, nil
}

// Tokens returns every token that has not expired at now, ordered by hash.
func (s *Store) Tokens(ctx context.Context, now time.Time) ([]*dispatcher.Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+tokenColumns+" FROM tokens t WHERE t.expires_at > ? ORDER BY t.hash",
		micro(now))
	if err != nil {
		return nil, storeErr(err, "the tokens could not be read")
	}
	defer rows.Close()
	out := []*dispatcher.Token{}
	for rows.Next() {
		var t dispatcher.Token
		var created, expires int64
		var used sql.NullInt64
		if err := rows.Scan(&t.Hash, &t.Login, &created, &expires, &used); err != nil {
			return nil, storeErr(err, "the tokens could not be read")
		}
		setTokenTimes(&t, created, expires, used)
		out = append(out, &t)
	}
	return out, storeErr(rows.Err(), "the tokens could not be read")
}

func setTokenTimes(t *dispatcher.Token, created, expires int64, used sql.NullInt64) {
	t.CreatedAt, t.ExpiresAt = fromMicro(created), fromMicro(expires)
	if used.Valid {
		t.LastUsedAt = fromMicro(used.Int64)
	}
}

// optionalMicro is the column form of a time that may be unknown (NULL for the zero time).
func optionalMicro(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micro(t), Valid: true}
}

// TouchToken records a use of a token that still exists and has not expired at usedAt.
func (s *Store) TouchToken(ctx context.Context, hash string, usedAt, expiresAt time.Time) error {
	res, err := s.w.ExecContext(ctx, "UPDATE tokens SET last_used_at = ?, expires_at = ? WHERE hash = ? AND expires_at > ?",
		micro(usedAt), micro(expiresAt), hash, micro(usedAt))
	return affectedOne(res, err, "the token could not be saved", "no such token, or it has expired")
}

// DeleteToken removes a token.
func (s *Store) DeleteToken(ctx context.Context, hash string) error {
	res, err := s.w.ExecContext(ctx, "DELETE FROM tokens WHERE hash = ?", hash)
	return affectedOne(res, err, "the token could not be revoked", "no such token")
}

// DeleteAccountTokens removes every token of an account.
func (s *Store) DeleteAccountTokens(ctx context.Context, login string) (int, error) {
	res, err := s.w.ExecContext(ctx, "DELETE FROM tokens WHERE login = ?", login)
	if err != nil {
		return 0, storeErr(err, "the tokens could not be revoked")
	}
	n, err := res.RowsAffected()
	return int(n), storeErr(err, "the tokens could not be revoked")
}

// affectedOne turns the result of a statement on one row into ENotFound when no row was affected.
func affectedOne(res sql.Result, err error, failed, missing string) error {
	if err != nil {
		return storeErr(err, failed)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return storeErr(err, failed)
	}
	if n == 0 {
		return notFound("%s", missing)
	}
	return nil
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
