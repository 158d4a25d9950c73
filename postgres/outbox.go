package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"cityhub/dispatcher"

	"github.com/jackc/pgx/v5"
)

// The outbox (dispatcher.Outbox) is the table outbox. A claim locks the due rows it takes with
// FOR UPDATE SKIP LOCKED and moves their next_at past the lease in the same statement: a claimer
// running at the same time skips the rows locked, and once they are committed finds them not
// due; so two instances never claim one item.

var _ dispatcher.Outbox = (*Store)(nil)

const (
	outboxColumns = `o.id, o.key, o.channel, o.case_id, o.payload, o.attempts, o.next_at, o.created_at,
		o.sent_at, o.gave_up, o.last_error`
	// sqlOutboxClaim answers the claimed rows with their due time before the claim (due), by
	// which they are sorted.
	sqlOutboxClaim = `WITH due AS (
			SELECT id, next_at FROM outbox
			WHERE channel = $1 AND sent_at IS NULL AND NOT gave_up AND next_at <= $2
			ORDER BY next_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET next_at = $3 FROM due WHERE o.id = due.id
		RETURNING ` + outboxColumns + `, due.next_at`
)

// OutboxAdd implements dispatcher.Outbox. An item without CreatedAt is created now; one without
// NextAt is due at its creation.
func (s *Store) OutboxAdd(ctx context.Context, items []dispatcher.OutboxItem) error {
	if len(items) == 0 {
		return nil
	}
	now := time.Now()
	return s.tx(ctx, "the messages could not be queued", func(ctx context.Context, tx pgx.Tx) error {
		var b pgx.Batch
		for _, it := range items {
			created, next := it.CreatedAt, it.NextAt
			if created.IsZero() {
				created = now
			}
			if next.IsZero() {
				next = created
			}
			payload := it.Payload
			if payload == nil {
				payload = []byte{}
			}
			b.Queue(`INSERT INTO outbox (key, channel, case_id, payload, next_at, created_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING`,
				it.Key, it.Channel, it.CaseID, payload, next, created)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
}

// OutboxClaim implements dispatcher.Outbox. The items come back with NextAt = now+lease, the end
// of their lease (what the row now holds).
func (s *Store) OutboxClaim(ctx context.Context, channel string, now time.Time, lease time.Duration, limit int) ([]dispatcher.OutboxItem, error) {
	if limit <= 0 {
		return nil, nil
	}
	type claimed struct {
		it  dispatcher.OutboxItem
		due time.Time
	}
	var cs []claimed
	err := s.query(ctx, "the messages could not be claimed", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, sqlOutboxClaim, channel, now, now.Add(lease), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c claimed
			if err := scanOutbox(rows, &c.it, &c.due); err != nil {
				return err
			}
			cs = append(cs, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(cs, func(a, b claimed) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.it.ID, b.it.ID)
	})
	items := make([]dispatcher.OutboxItem, len(cs))
	for i, c := range cs {
		items[i] = c.it
	}
	return items, nil
}

// OutboxSent implements dispatcher.Outbox.
func (s *Store) OutboxSent(ctx context.Context, id int64, at time.Time) error {
	return s.outboxUpdate(ctx, id, "UPDATE outbox SET sent_at = $2 WHERE id = $1", at)
}

// OutboxFailed implements dispatcher.Outbox.
func (s *Store) OutboxFailed(ctx context.Context, id int64, next time.Time, lastError string, giveUp bool) error {
	return s.outboxUpdate(ctx, id, `UPDATE outbox SET attempts = attempts + 1, last_error = $2, next_at = $3,
		gave_up = $4 WHERE id = $1`, lastError, next, giveUp)
}

// outboxUpdate runs one update of item id ($1); ENotFound when there is no such item.
func (s *Store) outboxUpdate(ctx context.Context, id int64, stmt string, args ...any) error {
	return s.query(ctx, "the message could not be updated", func(ctx context.Context, q querier) error {
		tag, err := q.Exec(ctx, stmt, append([]any{id}, args...)...)
		if err == nil && tag.RowsAffected() == 0 {
			return notFound("no outbox item %d", id)
		}
		return err
	})
}

// OutboxItems implements dispatcher.Outbox.
func (s *Store) OutboxItems(ctx context.Context, caseID int64) ([]dispatcher.OutboxItem, error) {
	return s.listOutbox(ctx, "SELECT "+outboxColumns+" FROM outbox o WHERE case_id = $1 ORDER BY id", caseID)
}

// OutboxPending lists the items still to send (neither sent nor given up) of every channel,
// oldest first: what `cityhub migrate` carries over to another store.
func (s *Store) OutboxPending(ctx context.Context) ([]dispatcher.OutboxItem, error) {
	return s.listOutbox(ctx, "SELECT "+outboxColumns+" FROM outbox o WHERE sent_at IS NULL AND NOT gave_up ORDER BY id")
}

func (s *Store) listOutbox(ctx context.Context, query string, args ...any) ([]dispatcher.OutboxItem, error) {
	var items []dispatcher.OutboxItem
	err := s.query(ctx, "the messages could not be read", func(ctx context.Context, q querier) error {
		rows, err := q.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var it dispatcher.OutboxItem
			if err := scanOutbox(rows, &it); err != nil {
				return err
			}
			items = append(items, it)
		}
		return rows.Err()
	})
	return items, err
}

// scanOutbox reads a row of outboxColumns (and extra destinations after them) into it.
func scanOutbox(rows pgx.Rows, it *dispatcher.OutboxItem, extra ...any) error {
	var sent *time.Time
	dest := append([]any{&it.ID, &it.Key, &it.Channel, &it.CaseID, &it.Payload, &it.Attempts, &it.NextAt,
		&it.CreatedAt, &sent, &it.GaveUp, &it.LastError}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return err
	}
	it.NextAt, it.CreatedAt = it.NextAt.UTC(), it.CreatedAt.UTC()
	if sent != nil {
		t := sent.UTC()
		it.SentAt = &t
	}
	return nil
}
