package postgres

import (
	"context"
	"errors"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// The KV (dispatcher.KV) is the table kv, its revisions drawn from the sequence kv_revs. Every
// call is one statement (KVDelete with a revision, two in a transaction), safe however many
// instances run: PostgreSQL locks the row a KVPut updates or claims, and a concurrent writer of
// the same key re-reads it after that commit and finds its revision stale.
//
// Expiry is judged by the clock of the instance that makes the call (time.Now), which NTP keeps
// within milliseconds of the others'; the TTLs callers use are seconds or more.

var _ dispatcher.KV = (*Store)(nil)

const (
	// sqlKVClaim writes the key if it is absent or expired ($5 = now). A claim that loses a race
	// waits for the winner's commit, then finds its row live: no row comes back.
	sqlKVClaim = `INSERT INTO kv (key, value, rev, expires_at) VALUES ($1, $2, nextval('kv_revs'), $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, rev = excluded.rev, expires_at = excluded.expires_at
		WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= $4
		RETURNING rev`
	// sqlKVSet replaces the key's value if its revision is still $4 and it has not expired.
	sqlKVSet = `UPDATE kv SET value = $2, rev = nextval('kv_revs'), expires_at = $3
		WHERE key = $1 AND rev = $4 AND (expires_at IS NULL OR expires_at > $5)
		RETURNING rev`
	sqlKVGet = `SELECT value, rev, expires_at FROM kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)`
)

// KVGet implements dispatcher.KV.
func (s *Store) KVGet(ctx context.Context, key string) (dispatcher.KVEntry, error) {
	var e dispatcher.KVEntry
	err := s.query(ctx, "the value could not be read", func(ctx context.Context, q querier) error {
		var err error
		e, err = liveEntry(ctx, q, key, time.Now())
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
	err := s.query(ctx, "the value could not be saved", func(ctx context.Context, q querier) error {
		now := time.Now()
		var expires *time.Time
		if ttl > 0 {
			t := now.Add(ttl)
			expires = &t
		}
		var err error
		if rev == 0 {
			err = q.QueryRow(ctx, sqlKVClaim, key, value, expires, now).Scan(&next)
		} else {
			err = q.QueryRow(ctx, sqlKVSet, key, value, expires, rev, now).Scan(&next)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
		}
		return err
	})
	if err != nil {
		return 0, err
	}
	return next, nil
}

// KVDelete implements dispatcher.KV. With a revision it locks the row first, so that the
// revision it compares is the one it deletes.
func (s *Store) KVDelete(ctx context.Context, key string, rev int64) error {
	return s.tx(ctx, "the value could not be deleted", func(ctx context.Context, tx pgx.Tx) error {
		if rev != 0 {
			var cur int64
			err := tx.QueryRow(ctx, `SELECT rev FROM kv WHERE key = $1 AND (expires_at IS NULL OR expires_at > $2)
				FOR UPDATE`, key, time.Now()).Scan(&cur)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			if cur != rev {
				return dispatcher.Errorf(dispatcher.EConflict, "%q changed meanwhile", key)
			}
		}
		_, err := tx.Exec(ctx, "DELETE FROM kv WHERE key = $1", key)
		return err
	})
}

// KVSweep deletes the entries expired at now and returns how many. Expired entries are already
// invisible; sweeping only keeps the table small.
func (s *Store) KVSweep(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.query(ctx, "the expired values could not be deleted", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, "DELETE FROM kv WHERE expires_at IS NOT NULL AND expires_at <= $1", now)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}

// liveEntry reads the entry at key unless it has expired at now: ENotFound then.
func liveEntry(ctx context.Context, q querier, key string, now time.Time) (dispatcher.KVEntry, error) {
	var e dispatcher.KVEntry
	var expires *time.Time
	err := q.QueryRow(ctx, sqlKVGet, key, now).Scan(&e.Value, &e.Rev, &expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return dispatcher.KVEntry{}, notFound("no value at %q", key)
	}
	if expires != nil {
		e.Expires = expires.UTC()
	}
	return e, err
}
