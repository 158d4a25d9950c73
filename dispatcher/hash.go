package dispatcher

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// HashV2 is the hash formula of events written since the audit covers what the API serves: on top
// of what the first formula covers, the case summary the event carries (but its number, which the
// store fills in after hashing), the units it is visible to and, on the last event of a write, the
// digest of the case as the write left it and the write's measure deltas. Events written before
// keep their first-formula hashes (HashVersion 0) and still verify.
const HashV2 = 2

// hashedEvent is the part of an event the first formula covers, in a fixed field order. The
// store-wide ID and the case summary are left out: the ID is assigned by the store after hashing.
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

// hashedEventV2 is what HashV2 covers: "v" first, so that no body of one formula reads as one of
// the other.
type hashedEventV2 struct {
	V int `json:"v"`
	hashedEvent
	Case       hashedSummary `json:"case"`
	Visible    []string      `json:"visible"`
	CaseDigest string        `json:"case_digest"`
	Tallies    []TallyDelta  `json:"tallies"`
}

// hashedSummary is CaseSummary without the number, its deadline written in UTC.
type hashedSummary struct {
	State        State  `json:"state"`
	Owner        string `json:"owner"`
	Unit         string `json:"unit"`
	Channel      string `json:"channel"`
	Nature       string `json:"nature"`
	Category     string `json:"category"`
	Jurisdiction string `json:"jurisdiction"`
	Address      string `json:"address"`
	Point        Point  `json:"point"`
	Deadline     string `json:"deadline"`
	Overdue      bool   `json:"overdue"`
}

func hashedSummaryOf(s CaseSummary) hashedSummary {
	h := hashedSummary{State: s.State, Owner: s.Owner, Unit: s.Unit, Channel: s.Channel, Nature: s.Nature,
		Category: s.Category, Jurisdiction: s.Jurisdiction, Address: s.Address, Point: s.Point, Overdue: s.Overdue}
	if s.Deadline != nil {
		h.Deadline = s.Deadline.UTC().Format(time.RFC3339Nano)
	}
	return h
}

func hashedFields(e *Event) hashedEvent {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	return hashedEvent{Seq: e.Seq, Type: e.Type, Action: e.Action, Actor: e.Actor,
		At: e.At.UTC().Format(time.RFC3339Nano), From: e.From, To: e.To, Owner: e.Owner,
		Reason: e.Reason, Data: data}
}

// EventHash is SHA-256 over the previous hash and the canonical JSON of what the event's formula
// covers, hex encoded ("" for a formula this binary does not know, which then never verifies).
func EventHash(e *Event) string {
	var body []byte
	switch e.HashVersion {
	case 0:
		body, _ = canonicalJSON(hashedFields(e))
	case HashV2:
		visible := e.Visible
		if visible == nil {
			visible = []string{} // stores give back an empty list for none
		}
		body, _ = canonicalJSON(hashedEventV2{V: HashV2, hashedEvent: hashedFields(e),
			Case: hashedSummaryOf(e.Summary), Visible: visible, CaseDigest: e.CaseDigest, Tallies: e.Tallies})
	default:
		return ""
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// NewSeal is a fresh random key for a case's digest.
func NewSeal() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails (it crashes the program instead)
	return b
}

// CaseDigest is HMAC-SHA256, keyed with the case's seal, over the canonical JSON of every field
// of the case but those that are unknown when the write is hashed or derived and checked
// otherwise: ID and Number (assigned by the store; the audit checks the number against the ID
// and the creation date), Version and LastHash (the chain's head), and NextDue (rewritten by
// the scheduler without an event; the audit recomputes it from the clocks). Every time in the
// case must be in UTC, as the domain writes them, so that the digest survives a store round trip.
func CaseDigest(c *Case) string {
	d := *c
	d.ID, d.Number, d.Version, d.LastHash, d.NextDue = 0, "", 0, "", nil
	body, _ := canonicalJSON(&d)
	m := hmac.New(sha256.New, c.Seal)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// VerifyChain checks a case's events against its stored head: sequence numbers 1..n, each event
// linked to the one before and hashing to what it says, the last one matching the case.
func VerifyChain(c *Case, events []*Event) error {
	if f := chainFindings(c, events); len(f) > 0 {
		return Errorf(EConflict, "%s", f[0])
	}
	return nil
}
