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

// HashV3 is the formula of events written since the summary carries what the consoles' queues
// need (CaseSummary's fields from Warning on): HashV2 with those fields added to the summary it
// covers. Events written before keep their formulas and still verify; new fields never change the
// hash of an event already written, since each formula names exactly the fields it covers.
const HashV3 = 3

// HashCurrent is the formula new events are hashed with.
const HashCurrent = HashV3

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

// hashedEventV3 is what HashV3 covers: hashedEventV2's fields with the longer summary.
type hashedEventV3 struct {
	V int `json:"v"`
	hashedEvent
	Case       hashedSummaryV3 `json:"case"`
	Visible    []string        `json:"visible"`
	CaseDigest string          `json:"case_digest"`
	Tallies    []TallyDelta    `json:"tallies"`
}

// hashedSummaryV3 is hashedSummary and the queues' fields, every time written in UTC.
type hashedSummaryV3 struct {
	hashedSummary
	Warning     bool             `json:"warning"`
	ReturnCount int              `json:"return_count"`
	Arbitration string           `json:"arbitration"`
	Extension   *hashedExtension `json:"extension"`
	SuspendedAt string           `json:"suspended_at"`
	RepeatOf    string           `json:"repeat_of"`
	MergedInto  string           `json:"merged_into"`
	Inspector   string           `json:"inspector"`
	Text        string           `json:"text"`
	CreatedAt   string           `json:"created_at"`
	UpdatedAt   string           `json:"updated_at"`
	Version     int64            `json:"version"`
}

// hashedExtension is an ExtensionRequest with its time in UTC.
type hashedExtension struct {
	RequestedBy string `json:"requested_by"`
	RequestedAt string `json:"requested_at"`
	Limit       Limit  `json:"limit"`
	Reason      string `json:"reason"`
}

func hashedSummaryV3Of(s CaseSummary) hashedSummaryV3 {
	h := hashedSummaryV3{hashedSummary: hashedSummaryOf(s), Warning: s.Warning, ReturnCount: s.ReturnCount,
		Arbitration: s.Arbitration, SuspendedAt: utcText(s.SuspendedAt), RepeatOf: s.RepeatOf,
		MergedInto: s.MergedInto, Inspector: s.Inspector, Text: s.Text, CreatedAt: utcText(&s.CreatedAt),
		UpdatedAt: utcText(&s.UpdatedAt), Version: s.Version}
	if x := s.Extension; x != nil {
		h.Extension = &hashedExtension{RequestedBy: x.RequestedBy, RequestedAt: utcText(&x.RequestedAt),
			Limit: x.Limit, Reason: x.Reason}
	}
	return h
}

// utcText is a time in UTC, RFC 3339 with its fraction as far as it is known ("" for nil).
func utcText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
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
		body, _ = canonicalJSON(hashedEventV2{V: HashV2, hashedEvent: hashedFields(e),
			Case: hashedSummaryOf(e.Summary), Visible: visibleOf(e), CaseDigest: e.CaseDigest, Tallies: e.Tallies})
	case HashV3:
		body, _ = canonicalJSON(hashedEventV3{V: HashV3, hashedEvent: hashedFields(e),
			Case: hashedSummaryV3Of(e.Summary), Visible: visibleOf(e), CaseDigest: e.CaseDigest, Tallies: e.Tallies})
	default:
		return ""
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// visibleOf is the event's visible units as the formulas cover them: stores give back an empty
// list for none.
func visibleOf(e *Event) []string {
	if e.Visible == nil {
		return []string{}
	}
	return e.Visible
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
