package dispatcher

import (
	"context"
	"time"
)

// Calls: the hotline's telephone system (CTI) tells the hub of each call, ringing, answered and
// hung up (intake/hotline). The hub keeps a call log, pops the caller's history on the agent's
// console before they speak, links the reports filed during the call to it, and counts answered
// and abandoned calls and the time spent on them.

// Call events, as the telephone system names them.
const (
	CallRinging  = "ringing"
	CallAnswered = "answered"
	CallHungUp   = "hung_up"
)

// Call outcomes, known once the call is over.
const (
	CallOutcomeAnswered  = "answered"
	CallOutcomeAbandoned = "abandoned" // hung up before anyone answered
)

// Call is one call of the log.
type Call struct {
	ID         string     `json:"id"` // the telephone system's call id
	Caller     string     `json:"caller"`
	Agent      string     `json:"agent"` // the operator's login (or the extension the account is known by)
	Recording  string     `json:"recording,omitempty"`
	RingingAt  time.Time  `json:"ringing_at"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	Outcome    string     `json:"outcome,omitempty"`
	Seconds    int64      `json:"seconds,omitempty"` // from answer to hang-up
	Cases      []string   `json:"cases,omitempty"`   // the reports filed during the call
	Version    int64      `json:"version"`
}

// CallTopic is the signal topic (Signals) of the calls ringing for an agent.
func CallTopic(agent string) string { return "call:" + agent }

// CallRef links a report to the call it was taken on, and to the call's recording.
type CallRef struct {
	ID        string `json:"id"`
	Recording string `json:"recording,omitempty"`
}

// CallFilter selects calls of the log; zero values select everything. Newest first.
type CallFilter struct {
	Caller   string
	Agent    string
	From, To time.Time // RingingAt in [From, To)
	Outcome  string
	Limit    int // 0: 100
}

// CallCounts are the call measures of a period.
type CallCounts struct {
	Calls     int64 `json:"calls"`
	Answered  int64 `json:"answered"`
	Abandoned int64 `json:"abandoned"`
	Seconds   int64 `json:"seconds"` // summed over the answered calls that ended
	// AverageSeconds is Seconds over the answered calls that ended (0 when none).
	AverageSeconds float64 `json:"average_seconds"`
}

// Block is a number on the block list: calls from it are flagged on the operator's console (a
// caller who abuses the hotline), with the reason, until it expires.
type Block struct {
	Phone     string     `json:"phone"`
	Reason    string     `json:"reason"`
	By        string     `json:"by"`
	At        time.Time  `json:"at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"` // nil: until removed
}

// CallStore keeps the call log and the block list. Both stores implement it.
type CallStore interface {
	// PutCall writes the call if the stored one's Version is still prevVersion (0: there is none),
	// and sets c.Version to prevVersion+1; otherwise EConflict and nothing is written.
	PutCall(ctx context.Context, c *Call, prevVersion int64) error
	// Call is the call of the id (ENotFound when none).
	Call(ctx context.Context, id string) (*Call, error)
	// Calls lists the calls f selects, newest first.
	Calls(ctx context.Context, f CallFilter) ([]*Call, error)
	// CallCounts counts the calls that rang in [from, to).
	CallCounts(ctx context.Context, from, to time.Time) (CallCounts, error)
	// PutBlock adds or replaces the block of a number; DeleteBlock removes it (ENotFound when
	// there is none).
	PutBlock(ctx context.Context, b Block) error
	DeleteBlock(ctx context.Context, phone string) error
	// Blocks lists the blocks in force at now (not expired), newest first.
	Blocks(ctx context.Context, now time.Time) ([]Block, error)
}

// AverageCalls fills in the average handling time.
func AverageCalls(n CallCounts) CallCounts {
	if n.Answered > 0 {
		n.AverageSeconds = float64(n.Seconds) / float64(n.Answered)
	}
	return n
}
