package dispatcher

import (
	"context"
	"encoding/json"
	"time"
)

// Notice is a message owed to a case's reporter (a WeChat notice that the case was dispatched,
// the follow-up question...) as the case's page shows it: what it was for and whether it went,
// never the recipient or the words, so that the centre can answer "was the citizen told?".
type Notice struct {
	Channel   string     `json:"channel"`
	Kind      string     `json:"kind"` // dispatched, resolved, closed... (the channel's payload says)
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	Attempts  int        `json:"attempts"` // failed attempts so far
	GaveUp    bool       `json:"gave_up,omitempty"`
	LastError string     `json:"last_error,omitempty"`
}

// CaseNotices lists the notices owed to a case's reporter, oldest first, to whoever may see the
// case. A store that keeps no outbox has none.
func (s *Service) CaseNotices(ctx context.Context, actor Actor, id int64) ([]Notice, error) {
	if _, err := s.caseFor(ctx, actor, id); err != nil {
		return nil, err
	}
	out := []Notice{}
	ob, ok := s.store.(Outbox)
	if !ok {
		return out, nil
	}
	items, err := ob.OutboxItems(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		var p struct {
			Kind string `json:"kind"`
		}
		_ = json.Unmarshal(it.Payload, &p) // a payload without a kind is listed without one
		out = append(out, Notice{Channel: it.Channel, Kind: p.Kind, CreatedAt: it.CreatedAt, SentAt: it.SentAt,
			Attempts: it.Attempts, GaveUp: it.GaveUp, LastError: it.LastError})
	}
	return out, nil
}
