package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
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
	err = s.tx(ctx, "the call could not be saved", func(ctx context.Context, tx pgx.Tx) error {
		var sql string
		args := []any{c.ID, c.Caller, c.Agent, c.RingingAt, c.Outcome, next.Version, body, c.Seconds}
		if prevVersion == 0 {
			sql = `INSERT INTO calls (id, caller, agent, ringing_at, outcome, version, body, seconds)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING`
		} else {
			sql = `UPDATE calls SET caller = $2, agent = $3, ringing_at = $4, outcome = $5, version = $6, body = $7,
				seconds = $8 WHERE id = $1 AND version = $9`
			args = append(args, prevVersion)
		}
		tag, err := tx.Exec(ctx, sql, args...)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
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
	var c dispatcher.Call
	err := s.query(ctx, "the call could not be read", func(ctx context.Context, q querier) error {
		var body string
		err := q.QueryRow(ctx, "SELECT body FROM calls WHERE id = $1", id).Scan(&body)
		if errors.Is(err, pgx.ErrNoRows) {
			return notFound("no call %s", id)
		}
		if err != nil {
			return err
		}
		return decode(body, &c)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Calls implements dispatcher.CallStore.
func (s *Store) Calls(ctx context.Context, f dispatcher.CallFilter) ([]*dispatcher.Call, error) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Caller != "" {
		add("caller = $%d", f.Caller)
	}
	if f.Agent != "" {
		add("agent = $%d", f.Agent)
	}
	if f.Outcome != "" {
		add("outcome = $%d", f.Outcome)
	}
	if !f.From.IsZero() {
		add("ringing_at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("ringing_at < $%d", f.To)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	out := []*dispatcher.Call{}
	err := s.query(ctx, "the calls could not be listed", func(ctx context.Context, q querier) error {
		return s.eachCall(ctx, q, "SELECT body FROM calls"+where+fmt.Sprintf(" ORDER BY ringing_at DESC, id LIMIT $%d", len(args)), args,
			func(c *dispatcher.Call) { out = append(out, c) })
	})
	return out, err
}

func (s *Store) eachCall(ctx context.Context, q querier, sql string, args []any, fn func(*dispatcher.Call)) error {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		var c dispatcher.Call
		if err := rows.Scan(&body); err != nil {
			return err
		}
		if err := decode(body, &c); err != nil {
			return err
		}
		fn(&c)
	}
	return rows.Err()
}

// CallCounts implements dispatcher.CallStore.
func (s *Store) CallCounts(ctx context.Context, from, to time.Time) (dispatcher.CallCounts, error) {
	var n dispatcher.CallCounts
	err := s.query(ctx, "the calls could not be counted", func(ctx context.Context, q querier) error {
		return q.QueryRow(ctx, `SELECT COUNT(*), COUNT(*) FILTER (WHERE outcome = $1), COUNT(*) FILTER (WHERE outcome = $2),
			COALESCE(SUM(seconds) FILTER (WHERE outcome = $1), 0) FROM calls WHERE ringing_at >= $3 AND ringing_at < $4`,
			dispatcher.CallOutcomeAnswered, dispatcher.CallOutcomeAbandoned, from, to).Scan(&n.Calls, &n.Answered, &n.Abandoned, &n.Seconds)
	})
	return dispatcher.AverageCalls(n), err
}

// PutBlock implements dispatcher.CallStore.
func (s *Store) PutBlock(ctx context.Context, b dispatcher.Block) error {
	return s.tx(ctx, "the block could not be saved", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO call_blocks (phone, reason, by_login, at, expires_at) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (phone) DO UPDATE SET reason = excluded.reason, by_login = excluded.by_login,
			at = excluded.at, expires_at = excluded.expires_at`, b.Phone, b.Reason, b.By, b.At, b.ExpiresAt)
		return err
	})
}

// DeleteBlock implements dispatcher.CallStore.
func (s *Store) DeleteBlock(ctx context.Context, phone string) error {
	return s.tx(ctx, "the block could not be removed", func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM call_blocks WHERE phone = $1", phone)
		if err == nil && tag.RowsAffected() == 0 {
			return notFound("no block of %s", phone)
		}
		return err
	})
}

// Blocks implements dispatcher.CallStore.
func (s *Store) Blocks(ctx context.Context, now time.Time) ([]dispatcher.Block, error) {
	out := []dispatcher.Block{}
	err := s.query(ctx, "the block list could not be read", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, `SELECT phone, reason, by_login, at, expires_at FROM call_blocks
			WHERE expires_at IS NULL OR expires_at > $1 ORDER BY at DESC, phone`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var b dispatcher.Block
			if err := rows.Scan(&b.Phone, &b.Reason, &b.By, &b.At, &b.ExpiresAt); err != nil {
				return err
			}
			b.At = b.At.UTC()
			if b.ExpiresAt != nil {
				t := b.ExpiresAt.UTC()
				b.ExpiresAt = &t
			}
			out = append(out, b)
		}
		return rows.Err()
	})
	return out, err
}
