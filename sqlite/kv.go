package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/dispatcher"
)

// The KV (dispatcher.KV) is the table kv. Writes go through the group committer like every other
// write, so a KVPut returns once it is on disk. Expiry is judged by this machine's clock
// (time.Now) when the read or the write runs; an expired row is absent to every call and is
// replaced by the next claim, or deleted by KVSweep.

var _ dispatcher.KV = (*Store)(nil)

// KVGet implements dispatcher.KV.
func (s *Store) KVGet(ctx context.Context, key string) (dispatcher.KVEntry, error) {
	var e dispatcher.KVEntry
	err := s.read(ctx, "the value could not be read", func(tx *sql.Tx) error {
		var err error
		e, err = liveEntry(ctx, tx, key, micro(time.Now()))
		return err
	})
	return e, err
}

// KVPut implements dispatcher.KV.
func (s *Store) KVPut(ctx context.Context, key string, value []byte, rev int64, ttl time.Duration) (int64, error) {
	if value == nil {
		value = []byte{} // the column is NOT NULL; nil and empty read back alike
	}
	var next int64
	err := s.write(ctx, "the value could not be saved", func(ctx context.Context, tx *sql.Tx) error {
		now := time.Now()
		cur, err := liveEntry(ctx, tx, key, micro(now))
		if err != nil && dispatcher.ErrorCode(err) != dispatcher.ENotFound {
			return err
		}
		if cur.Rev != rev {
			return dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
		}
		if err := tx.QueryRowContext(ctx, "UPDATE kv_rev SET rev = rev + 1 WHERE id = 1 RETURNING rev").Scan(&next); err != nil {
			return err
		}
		var expires sql.NullInt64
		if ttl > 0 {
			expires = sql.NullInt64{Int64: micro(now.Add(ttl)), Valid: true}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO kv (key, value, rev, expires_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, rev = excluded.rev, expires_at = excluded.expires_at`,
			key, value, next, expires)
		return err
	})
	if err != nil {
		return 0, err
	}
	return next, nil
}

// KVDelete implements dispatcher.KV.
func (s *Store) KVDelete(ctx context.Context, key string, rev int64) error {
	return s.write(ctx, "the value could not be deleted", func(ctx context.Context, tx *sql.Tx) error {
		cur, err := liveEntry(ctx, tx, key, micro(time.Now()))
		if dispatcher.ErrorCode(err) == dispatcher.ENotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if rev != 0 && cur.Rev != rev {
			return dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM kv WHERE key = ?", key)
		return err
	})
}

// KVSweep deletes the entries expired at now and returns how many. Expired entries are already
// invisible; sweeping only keeps the table small.
func (s *Store) KVSweep(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.write(ctx, "the expired values could not be deleted", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ?", micro(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// rowQuerier is what a transaction and a database have in common for one row.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// liveEntry reads the entry at key unless it has expired at now (microseconds): ENotFound then.
func liveEntry(ctx context.Context, q rowQuerier, key string, now int64) (dispatcher.KVEntry, error) {
	var e dispatcher.KVEntry
	var expires sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT value, rev, expires_at FROM kv
		WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)`, key, now).Scan(&e.Value, &e.Rev, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return dispatcher.KVEntry{}, notFound("no value at %q", key)
	}
	if expires.Valid {
		e.Expires = fromMicro(expires.Int64)
	}
	return e, err
}
