package dispatcher

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// hashedEvent is the part of an event the chain covers, in a fixed field order. The store-wide ID
// and the case summary are left out: the ID is assigned by the store after hashing and the summary
// is derived data.
type hashedEvent struct {
	Seq    int64           `json:"seq"`
	Type   string          `json:"type"`
	Action string          `json:"action"`
	Actor  Actor           `json:"actor"`
	At     string          `json:"at"`
	From   State           `json:"from"`
	To     State           `json:"to"`
	Owner  string          `json:"owner"`
	Reason string          `json:"reason"`
	Data   json.RawMessage `json:"data"`
}

// EventHash is SHA-256 over the previous hash and the event's canonical JSON, hex encoded.
func EventHash(e *Event) string {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	body, _ := canonicalJSON(hashedEvent{Seq: e.Seq, Type: e.Type, Action: e.Action, Actor: e.Actor,
		At: e.At.UTC().Format(time.RFC3339Nano), From: e.From, To: e.To, Owner: e.Owner,
		Reason: e.Reason, Data: data})
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// VerifyChain checks a case's events against its stored head: sequence numbers 1..n, each event
// linked to the one before and hashing to what it says, the last one matching the case.
func VerifyChain(c *Case, events []*Event) error {
	prev := ""
	for i, e := range events {
		if e.Seq != int64(i+1) {
			return Errorf(EConflict, "case %s: event %d has seq %d, want %d", c.Number, e.ID, e.Seq, i+1)
		}
		if e.PrevHash != prev {
			return Errorf(EConflict, "case %s: event %d (seq %d) does not link to the one before", c.Number, e.ID, e.Seq)
		}
		if got := EventHash(e); got != e.Hash {
			return Errorf(EConflict, "case %s: event %d (seq %d) was altered: hash %s, recomputed %s", c.Number, e.ID, e.Seq, e.Hash, got)
		}
		prev = e.Hash
	}
	if c.Version != int64(len(events)) || c.LastHash != prev {
		return Errorf(EConflict, "case %s: head (version %d, hash %s) does not match its %d events", c.Number, c.Version, c.LastHash, len(events))
	}
	return nil
}
