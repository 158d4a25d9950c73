package dispatcher

import (
	"context"
	"time"
)

// Outbox holds the messages a channel owes its citizens (a WeChat notice that the case was
// dispatched, the follow-up question...) until they are sent. Items survive a restart; any
// instance may send them, one at a time each, retried with backoff. The store implements it.
type Outbox interface {
	// OutboxAdd queues items. An item whose Key is already queued (sent or not) is skipped, so
	// that two instances following the same events queue each message once.
	OutboxAdd(ctx context.Context, items []OutboxItem) error
	// OutboxClaim returns up to limit items of channel that are due (NextAt <= now, neither sent
	// nor given up), oldest NextAt first, and moves their NextAt to now+lease in the same
	// transaction so that no other instance claims them while they are being sent.
	OutboxClaim(ctx context.Context, channel string, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// OutboxSent marks an item sent at the given time.
	OutboxSent(ctx context.Context, id int64, at time.Time) error
	// OutboxFailed records a failed attempt: Attempts+1, LastError, and either the next attempt
	// at next or, when giveUp, no more attempts.
	OutboxFailed(ctx context.Context, id int64, next time.Time, lastError string, giveUp bool) error
	// OutboxItems lists the items of a case, oldest first (the case's notices, for its page).
	OutboxItems(ctx context.Context, caseID int64) ([]OutboxItem, error)
}

// OutboxItem is one message owed to a citizen.
type OutboxItem struct {
	ID        int64      `json:"id"`
	Key       string     `json:"key"`     // unique: what the message is for, e.g. "wechat:event:1234"
	Channel   string     `json:"channel"` // the channel that sends it (ChannelWeChat...)
	CaseID    int64      `json:"case_id"` // the case it is about (0: none)
	Payload   []byte     `json:"payload"` // the channel's own description of the message: JSON with its "kind"
	Attempts  int        `json:"attempts"`
	NextAt    time.Time  `json:"next_at"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	GaveUp    bool       `json:"gave_up,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}
