package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"cityhub/dispatcher"
)

// The call log and the block list (dispatcher.CallStore): tables calls and call_blocks.

var _ dispatcher.CallStore = (*Store)(nil)

// PutCall implements dispatcher.CallStore.
func (s *Store) PutCall(ctx context.Context, c *dispatcher.Call, prevVersion int64) error {
	next := *c
	next.Version = prevVersion + 1
	body, err := encode(&next)
	if err != nil {
		return err
	}
	err = s.write(ctx, "the call could not be saved", func(ctx context.Context, tx *sql.Tx) error {
		var res sql.Result
		var err error
		if prevVersion == 0 {
			res, err = tx.ExecContext(ctx, `INSERT INTO calls (id, caller, agent, ringing_at, outcome, seconds, version, body)
				VALUES (?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (id) DO NOTHING`,
				c.ID, c.Caller, c.Agent, micro(c.RingingAt), c.Outcome, c.Seconds, body)
		} else {
			res, err = tx.ExecContext(ctx, `UPDATE calls SET caller = ?, agent = ?, ringing_at = ?, outcome = ?,
				seconds = ?, version = ?, body = ? WHERE id = ? AND version = ?`,
				c.Caller, c.Agent, micro(c.RingingAt), c.Outcome, c.Seconds, next.Version, body, c.ID, prevVersion)
		}
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return dispatcher.Errorf(dispatcher.EConflict, "call %s was changed meanwhile", c.ID)
		}
		return nil
	})
	if err == nil {
		c.Version = next.Version
	}
	return err
}

// Call implements dispatcher.CallStore.
func (s *Store) Call(ctx context.Context, id string) (*dispatcher.Call, error) {
	var body string
	err := s.r.QueryRowContext(ctx, "SELECT body FROM calls WHERE id = ?", id).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("no call %s", id)
	}
	if err != nil {
		return nil, storeErr(err, "the call could not be read")
	}
	var c dispatcher.Call
	return &c, storeErr(decode(body, &c), "the call could not be read")
}

// Calls implements dispatcher.CallStore.
func (s *Store) Calls(ctx context.Context, f dispatcher.CallFilter) ([]*dispatcher.Call, error) {
	w := &where{}
	w.eq("caller", f.Caller)
	w.eq("agent", f.Agent)
	w.eq("outcome", f.Outcome)
	timeBound(w, "ringing_at >= ?", f.From)
	timeBound(w, "ringing_at < ?", f.To)
	rows, err := s.r.QueryContext(ctx, "SELECT body FROM calls"+w.String()+" ORDER BY ringing_at DESC, id LIMIT ?",
		append(w.args, pageSize(f.Limit))...)
	if err != nil {
		return nil, storeErr(err, "the calls could not be listed")
	}
	defer rows.Close()
	out := []*dispatcher.Call{}
	for rows.Next() {
		var body string
		var c dispatcher.Call
		if err := rows.Scan(&body); err != nil {
			return nil, storeErr(err, "the calls could not be listed")
		}
		if err := decode(body, &c); err != nil {
			return nil, storeErr(err, "the calls could not be listed")
		}
		out = append(out, &c)
	}
	return out, storeErr(rows.Err(), "the calls could not be listed")
}

// CallCounts implements dispatcher.CallStore.
func (s *Store) CallCounts(ctx context.Context, from, to time.Time) (dispatcher.CallCounts, error) {
	var n dispatcher.CallCounts
	err := s.r.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(outcome = ?), 0), COALESCE(SUM(outcome = ?), 0), COALESCE(SUM(CASE WHEN outcome = ? THEN seconds END), 0)
		FROM calls WHERE ringing_at >= ? AND ringing_at < ?`,
		dispatcher.CallOutcomeAnswered, dispatcher.CallOutcomeAbandoned, dispatcher.CallOutcomeAnswered, micro(from), micro(to)).
		Scan(&n.Calls, &n.Answered, &n.Abandoned, &n.Seconds)
	return dispatcher.AverageCalls(n), storeErr(err, "the calls could not be counted")
}

// PutBlock implements dispatcher.CallStore.
func (s *Store) PutBlock(ctx context.Context, b dispatcher.Block) error {
	var expires any
	if b.ExpiresAt != nil {
		expires = micro(*b.ExpiresAt)
	}
	return s.write(ctx, "the block could not be saved", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO call_blocks (phone, reason, by_login, at, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (phone) DO UPDATE SET reason = excluded.reason, by_login = excluded.by_login,
			at = excluded.at, expires_at = excluded.expires_at`, b.Phone, b.Reason, b.By, micro(b.At), expires)
		return err
	})
}

// DeleteBlock implements dispatcher.CallStore.
func (s *Store) DeleteBlock(ctx context.Context, phone string) error {
	return s.write(ctx, "the block could not be removed", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM call_blocks WHERE phone = ?", phone)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("no block of %s", phone)
		}
		return nil
	})
}

// Blocks implements dispatcher.CallStore.
func (s *Store) Blocks(ctx context.Context, now time.Time) ([]dispatcher.Block, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT phone, reason, by_login, at, expires_at FROM call_blocks
		WHERE expires_at IS NULL OR expires_at > ? ORDER BY at DESC, phone`, micro(now))
	if err != nil {
		return nil, storeErr(err, "the block list could not be read")
	}
	defer rows.Close()
	out := []dispatcher.Block{}
	for rows.Next() {
		var b dispatcher.Block
		var at int64
		var expires sql.NullInt64
		if err := rows.Scan(&b.Phone, &b.Reason, &b.By, &at, &expires); err != nil {
			return nil, storeErr(err, "the block list could not be read")
		}
		b.At = fromMicro(at)
		if expires.Valid {
			t := fromMicro(expires.Int64)
			b.ExpiresAt = &t
		}
		out = append(out, b)
	}
	return out, storeErr(rows.Err(), "the block list could not be read")
}
