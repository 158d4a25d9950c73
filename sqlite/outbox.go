package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"cityhub/dispatcher"
)

// The outbox (dispatcher.Outbox) is the table outbox. Claims are writes: the single writer
// serialises them, so two claimers never get the same item.

var _ dispatcher.Outbox = (*Store)(nil)

const outboxColumns = `id, key, channel, case_id, payload, attempts, next_at, created_at, sent_at, gave_up, last_error`

// OutboxAdd implements dispatcher.Outbox. An item without CreatedAt is created now; one without
// NextAt is due at its creation.
func (s *Store) OutboxAdd(ctx context.Context, items []dispatcher.OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	now := time.Now()
	return s.write(ctx, "the messages could not be queued", func(ctx context.Context, tx *sql.Tx) error {
		for _, it := range items {
			created, next := outboxTimes(it, now)
			payload := it.Payload
			if payload == nil {
				payload = []byte{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (key, channel, case_id, payload, next_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING`,
				it.Key, it.Channel, it.CaseID, payload, micro(next), micro(created)); err != nil {
				return err
			}
		}
		return nil
	})
}

// outboxTimes are the creation time and the first due time of a new item.
func outboxTimes(it dispatcher.OutboxItem, now time.Time) (created, next time.Time) {
	created, next = it.CreatedAt, it.NextAt
	if created.IsZero() {
		created = now
	}
	if next.IsZero() {
		next = created
	}
	return created, next
}

// OutboxClaim implements dispatcher.Outbox. The items come back with NextAt = now+lease, the end
// of their lease (what the row now holds).
func (s *Store) OutboxClaim(ctx context.Context, channel string, now time.Time, lease time.Duration, limit int) ([]dispatcher.OutboxItem, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Most rounds find nothing due: asked of a reader first, they leave the single writer alone.
	var due bool
	if err := s.r.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM outbox
		WHERE channel = ? AND sent_at IS NULL AND gave_up = 0 AND next_at <= ?)`, channel, micro(now)).Scan(&due); err != nil {
		return nil, storeErr(err, "the messages could not be claimed")
	} else if !due {
		return nil, nil
	}
	var items []dispatcher.OutboxItem
	err := s.write(ctx, "the messages could not be claimed", func(ctx context.Context, tx *sql.Tx) error {
		var err error
		items, err = queryOutbox(ctx, tx, `SELECT `+outboxColumns+` FROM outbox
			WHERE channel = ? AND sent_at IS NULL AND gave_up = 0 AND next_at <= ?
			ORDER BY next_at, id LIMIT ?`, channel, micro(now), limit)
		if err != nil || len(items) == 0 {
			return err
		}
		until := now.Add(lease)
		args := []any{micro(until)}
		for i := range items {
			items[i].NextAt = fromMicro(micro(until))
			args = append(args, items[i].ID)
		}
		_, err = tx.ExecContext(ctx, "UPDATE outbox SET next_at = ? WHERE id IN (?"+
			strings.Repeat(", ?", len(items)-1)+")", args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// OutboxSent implements dispatcher.Outbox.
func (s *Store) OutboxSent(ctx context.Context, id int64, at time.Time) error {
	return s.outboxUpdate(ctx, id, "UPDATE outbox SET sent_at = ? WHERE id = ?", micro(at), id)
}

// OutboxFailed implements dispatcher.Outbox.
func (s *Store) OutboxFailed(ctx context.Context, id int64, next time.Time, lastError string, giveUp bool) error {
	return s.outboxUpdate(ctx, id, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_at = ?, gave_up = ?
		WHERE id = ?`, lastError, micro(next), giveUp, id)
}

// outboxUpdate runs one update of item id; ENotFound when there is no such item.
func (s *Store) outboxUpdate(ctx context.Context, id int64, stmt string, args ...any) error {
	return s.write(ctx, "the message could not be updated", func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, stmt, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return cmpErr(err, notFound("no outbox item %d", id))
		}
		return nil
	})
}

// cmpErr is err if there is one, else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// OutboxItems implements dispatcher.Outbox.
func (s *Store) OutboxItems(ctx context.Context, caseID int64) ([]dispatcher.OutboxItem, error) {
	var items []dispatcher.OutboxItem
	err := s.read(ctx, "the messages could not be read", func(tx *sql.Tx) error {
		var err error
		items, err = queryOutbox(ctx, tx, "SELECT "+outboxColumns+" FROM outbox WHERE case_id = ? ORDER BY id", caseID)
		return err
	})
	return items, err
}

func queryOutbox(ctx context.Context, q querier, query string, args ...any) ([]dispatcher.OutboxItem, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var items []dispatcher.OutboxItem
	for rows.Next() {
		var it dispatcher.OutboxItem
		var next, created int64
		var sent sql.NullInt64
		if err := rows.Scan(&it.ID, &it.Key, &it.Channel, &it.CaseID, &it.Payload, &it.Attempts,
			&next, &created, &sent, &it.GaveUp, &it.LastError); err != nil {
			return nil, err
		}
		it.NextAt, it.CreatedAt = fromMicro(next), fromMicro(created)
		if sent.Valid {
			t := fromMicro(sent.Int64)
			it.SentAt = &t
		}
		items = append(items, it)
	}
	return slices.Clip(items), rows.Err()
}

// OutboxPending lists the items still to send (neither sent nor given up) of every channel,
// oldest first: what `cityhub migrate` carries over to another store.
func (s *Store) OutboxPending(ctx context.Context) ([]dispatcher.OutboxItem, error) {
	var items []dispatcher.OutboxItem
	err := s.read(ctx, "the messages could not be read", func(tx *sql.Tx) error {
		var err error
		items, err = queryOutbox(ctx, tx, "SELECT "+outboxColumns+" FROM outbox WHERE sent_at IS NULL AND gave_up = 0 ORDER BY id")
		return err
	})
	return items, err
}
