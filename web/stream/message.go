package stream

import (
	"encoding/json"
	"time"

	"cityhub/dispatcher"

	segjson "github.com/segmentio/encoding/json"
)

// Close codes a console may see when the hub ends a stream. After any of them the console
// reconnects with since set to the id of the last event message it received.
const (
	// CloseGoingAway (1001): the hub is shutting down (Hub.Close, or Run ended).
	CloseGoingAway = 1001
	// CloseTryAgainLater (1013): the store failed while the backlog was being read. The reason
	// reads "store unavailable: reconnect with since=<last id sent>".
	CloseTryAgainLater = 1013
	// CloseUnauthorized (4001): the check of a stream opened with ServeChecked refused it (a token
	// that was revoked or has expired, an account disabled). The reason reads "sign in again: ...".
	// Consoles sign in again before they reconnect.
	CloseUnauthorized = 4001
	// CloseBeyondEnd (4004): the stream was asked to resume after an id beyond the last event of
	// the log, so it would never send anything: the console's ids come from another log (a store
	// restored from a backup, another district). The reason reads "since=<N> is beyond the last
	// event <M>: reload, then resume with since=<M>". The console reloads what it shows from the
	// API before it reconnects.
	CloseBeyondEnd = 4004
	// CloseSlowConsumer (4008): the console did not read fast enough and its queue overflowed. The
	// reason reads "slow consumer: reconnect with since=<last id sent>". Nothing more is flushed
	// to the console after the overflow.
	CloseSlowConsumer = 4008
)

// Message types that are not case events. Control messages have a type beginning with
// ControlPrefix and an id equal to the last event id sent on the stream (or the since the stream
// was opened with): they never carry a new id, so a console may always resume from the id of the
// last message it saw, control or not.
const (
	ControlPrefix = "stream."
	// TypeLive is sent once, right after the backlog (every event with id > since) has been
	// flushed: the console is caught up and what follows is live.
	TypeLive = "stream.live"
)

// Message is one websocket text message of the stream: a case event. Control messages
// (type "stream.*") carry only type and id.
//
// At is the event's time in UTC, RFC 3339 with a "Z" suffix and fractional seconds as far as they
// are known (Go's time.RFC3339Nano), for example "2026-11-27T01:02:03.123456Z".
type Message struct {
	ID     int64       `json:"id"`
	Type   string      `json:"type"`
	CaseID int64       `json:"case_id"`
	At     time.Time   `json:"at"`
	Data   MessageData `json:"data"`
}

// MessageData is the body of an event message.
type MessageData struct {
	Case   MessageCase      `json:"case"`
	Action string           `json:"action"`
	Actor  MessageActor     `json:"actor"`
	From   dispatcher.State `json:"from"`
	To     dispatcher.State `json:"to"`
	Owner  string           `json:"owner"`
	Reason string           `json:"reason"`
	// Detail is the event's own data as it was written, or null.
	Detail json.RawMessage `json:"detail"`
}

// MessageCase is the case as the event's write left it: its id and the summary the event carries
// (dispatcher.EventSummary), the row a console keeps in its queues. The summary is the event's
// own, covered by its hash; nothing in it is read from the case at publish time.
type MessageCase struct {
	ID int64 `json:"id"`
	dispatcher.CaseSummary
}

// MessageActor is who acted; the certificate is never sent.
type MessageActor struct {
	Login string          `json:"login"`
	Name  string          `json:"name"`
	Role  dispatcher.Role `json:"role"`
	Unit  string          `json:"unit"`
}

// control is a stream.* message.
type control struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

// newMessage is the wire form of ev.
func newMessage(ev *dispatcher.Event) *Message {
	m := &Message{
		ID:     ev.ID,
		Type:   ev.Type,
		CaseID: ev.CaseID,
		At:     ev.At.UTC(),
		Data: MessageData{
			Case:   MessageCase{ID: ev.CaseID, CaseSummary: dispatcher.EventSummary(ev)},
			Action: ev.Action,
			Actor: MessageActor{Login: ev.Actor.Login, Name: ev.Actor.Name, Role: ev.Actor.Role,
				Unit: ev.Actor.Unit},
			From:   ev.From,
			To:     ev.To,
			Owner:  ev.Owner,
			Reason: ev.Reason,
		},
	}
	if len(ev.Data) > 0 {
		m.Data.Detail = ev.Data
	}
	return m
}

// encode returns ev as the bytes of one text message, which are what encoding/json writes; they are
// written with github.com/segmentio/encoding at about half the CPU (with a console open, this was
// a tenth of the hub's CPU under load). If the event's own data is not valid JSON,
// it is sent as null (and logged) rather than leaving a hole in the stream. It returns nil only for
// an event that cannot be encoded at all (a time outside years 0..9999), which is then skipped.
func (h *Hub) encode(ev *dispatcher.Event) []byte {
	m := newMessage(ev)
	if !writable(m) {
		h.log.Error("stream: event time is outside years 0 to 9999; skipping it", "event", ev.ID)
		return nil
	}
	b, err := segjson.Marshal(m)
	if err != nil && m.Data.Detail != nil {
		h.log.Warn("stream: event detail is not valid JSON; sending null", "event", ev.ID, "err", err)
		m.Data.Detail = nil
		b, err = segjson.Marshal(m)
	}
	if err != nil {
		h.log.Error("stream: cannot encode event; skipping it", "event", ev.ID, "err", err)
		return nil
	}
	return b
}

// writable reports whether every time in m can be written in RFC 3339, which has years 0 to 9999
// only (encoding/json refuses the others; the encoder used here would write them anyway).
func writable(m *Message) bool {
	inRange := func(t time.Time) bool { return t.Year() >= 0 && t.Year() <= 9999 }
	maybe := func(t *time.Time) bool { return t == nil || inRange(*t) }
	c := &m.Data.Case
	return inRange(m.At) && maybe(c.Deadline) && maybe(c.SuspendedAt) && inRange(c.CreatedAt) &&
		inRange(c.UpdatedAt) && (c.Extension == nil || inRange(c.Extension.RequestedAt))
}

func encodeControl(typ string, id int64) []byte {
	b, _ := json.Marshal(control{Type: typ, ID: id})
	return b
}
