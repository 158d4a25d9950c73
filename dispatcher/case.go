package dispatcher

import (
	"encoding/json"
	"time"
)

// State is where a case stands in its lifecycle.
type State string

// The states of DOMAIN.md's lifecycle.
const (
	Received    State = "received"
	Verifying   State = "verifying"
	Registered  State = "registered"
	Dispatched  State = "dispatched"
	InProgress  State = "in_progress"
	Suspended   State = "suspended"
	Resolved    State = "resolved"
	Checking    State = "checking"
	Closed      State = "closed"
	Answered    State = "answered"
	Rejected    State = "rejected"
	Voided      State = "voided"
	Merged      State = "merged"
	Transferred State = "transferred"
)

// AllStates lists every state, in lifecycle order.
var AllStates = []State{Received, Verifying, Registered, Dispatched, InProgress, Suspended,
	Resolved, Checking, Closed, Answered, Rejected, Voided, Merged, Transferred}

// OpenStates are the states in which a case still needs work (void may be taken from any of them).
var OpenStates = []State{Received, Verifying, Registered, Dispatched, InProgress, Suspended,
	Resolved, Checking, Transferred}

// IsOpen reports whether the case still needs work.
func (s State) IsOpen() bool {
	for _, o := range OpenStates {
		if s == o {
			return true
		}
	}
	return false
}

// OwnerKind says what kind of body owns a case in a given state.
type OwnerKind string

const (
	OwnedByCentre OwnerKind = "centre" // the command centre
	OwnedByUnit   OwnerKind = "unit"   // the street team it was dispatched to
	OwnedByAgency OwnerKind = "agency" // an outside authority it was transferred to
	OwnedByNone   OwnerKind = "none"   // finished
)

// OwnerKindOf is DOMAIN.md's ownership rule.
func OwnerKindOf(s State) OwnerKind {
	switch s {
	case Received, Verifying, Registered, Checking:
		return OwnedByCentre
	case Dispatched, InProgress, Suspended, Resolved:
		return OwnedByUnit
	case Transferred:
		return OwnedByAgency
	}
	return OwnedByNone
}

// Role is what a person does in the organisation.
type Role string

// The roles of DESIGN.md, plus System for what the hub does by itself.
const (
	Operator       Role = "operator"
	ShiftLeader    Role = "shift_leader"
	DispatcherRole Role = "dispatcher"
	Inspector      Role = "inspector"
	LegalReviewer  Role = "legal_reviewer"
	TeamLead       Role = "team_lead"
	Officer        Role = "officer"
	Auxiliary      Role = "auxiliary"
	Leader         Role = "leader"
	Admin          Role = "admin"
	System         Role = "system"
)

// AllRoles lists the roles a person can have (System is not one).
var AllRoles = []Role{Operator, ShiftLeader, DispatcherRole, Inspector, LegalReviewer, TeamLead,
	Officer, Auxiliary, Leader, Admin}

// IsUnitMember reports whether the role belongs to a street team rather than the centre.
func (r Role) IsUnitMember() bool { return r == TeamLead || r == Officer || r == Auxiliary }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range AllRoles {
		if r == x {
			return true
		}
	}
	return r == System
}

// Actor is whoever takes an action: a person with a role in a unit, or the system.
type Actor struct {
	Login       string       `json:"login"`
	Name        string       `json:"name,omitempty"`
	Role        Role         `json:"role"`
	Unit        string       `json:"unit"`
	Certificate *Certificate `json:"certificate,omitempty"`
}

// SystemActor is the hub acting by itself (automatic dispatch, deadline marks).
var SystemActor = Actor{Login: "system", Name: "系统", Role: System, Unit: CommandCentre}

// Channels through which reports arrive.
const (
	ChannelHotline = "hotline"
	ChannelWeChat  = "wechat"
	ChannelWeb     = "web"
	ChannelOpen311 = "open311"
	// ChannelInspector is 监督员上报: what an inspector finds on patrol, filed by that inspector
	// (only an inspector may file on it). The filer has seen the problem on site, so the report
	// needs no verification (核实): see needUnverifiedReport.
	ChannelInspector = "inspector"
)

// The states of a review (Case.Review).
const (
	ReviewPending  = "pending"
	ReviewUpheld   = "upheld"
	ReviewReopened = "reopened"
)

// Channels lists every channel, in the order consoles and measures show them.
var Channels = []string{ChannelHotline, ChannelWeChat, ChannelWeb, ChannelOpen311, ChannelInspector}

// Contact is how to reach the reporter. Shown only inside the command centre unless revealed.
type Contact struct {
	Name   string `json:"name,omitempty"`
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
	OpenID string `json:"openid,omitempty"` // WeChat user
}

// IsZero reports whether nothing is known of the reporter.
func (c Contact) IsZero() bool { return c == Contact{} }

// Masked hides all but a hint of each field.
func (c Contact) Masked() Contact {
	return Contact{Name: maskName(c.Name), Phone: maskPhone(c.Phone), Email: maskEmail(c.Email),
		OpenID: maskTail(c.OpenID)}
}

// Case is one report and everything that happened to it. Only Service changes a case.
type Case struct {
	ID         int64     `json:"id"`
	Number     string    `json:"number"`
	State      State     `json:"state"`
	OwnerKind  OwnerKind `json:"owner_kind"`
	Owner      string    `json:"owner"` // unit code of the owner (CMD, a team, an agency; "" when finished)
	Unit       string    `json:"unit"`  // the handling unit last dispatched or transferred to
	Channel    string    `json:"channel"`
	Nature     string    `json:"nature"`
	Category   string    `json:"category"`
	Text       string    `json:"text"`
	Location   Location  `json:"location"`
	Reporter   Contact   `json:"reporter"`
	ExternalID string    `json:"external_id,omitempty"` // the channel's own message id, for de-duplication
	Media      []string  `json:"media,omitempty"`
	// Call is the hotline call the report was taken on, with its recording.
	Call *CallRef `json:"call,omitempty"`
	// ReportMedia is how many of Media came with the report itself (the first ones): the reporter's
	// photos, which a public case publishes; the rest are the handling's evidence, never published.
	ReportMedia int `json:"report_media,omitempty"`
	// Reports are the reports of the same problem joined to the case at intake, after its first
	// (the Reporter's): see duplicates.go.
	Reports      []Report          `json:"reports,omitempty"`
	Routing      Routing           `json:"routing"`
	Urgent       bool              `json:"urgent,omitempty"`
	Clocks       Clocks            `json:"clocks"`
	Returns      map[string]int    `json:"returns,omitempty"` // per unit
	ReturnCount  int               `json:"return_count"`
	Arbitration  string            `json:"arbitration,omitempty"` // "" | "pending" | "ruled"
	ReworkCount  int               `json:"rework_count"`
	Inspector    string            `json:"inspector,omitempty"`
	MergedInto   string            `json:"merged_into,omitempty"`
	RepeatOf     string            `json:"repeat_of,omitempty"` // a recent earlier report of the same problem and place: a likely duplicate
	Extension    *ExtensionRequest `json:"extension,omitempty"`
	LegalReview  *LegalReview      `json:"legal_review,omitempty"`
	Satisfaction string            `json:"satisfaction,omitempty"`
	// Review is the shift leader's review that a 不满意 answer opens: "pending", then "upheld" (the
	// case stays closed, with the reason) or "reopened" (handled again).
	Review    string     `json:"review,omitempty"`
	Owners    []string   `json:"owners"` // every unit that has owned the case, in order of first ownership
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	ClosedAt  *time.Time `json:"closed_at,omitempty"`
	Version   int64      `json:"version"` // number of events; the seq of the last one
	LastHash  string     `json:"last_hash"`
	NextDue   *time.Time `json:"next_due,omitempty"` // earliest pending warning or overdue mark

	// SatisfactionCounted is where the measures counted Satisfaction, so that a later follow-up
	// takes it out there and counts its own answer instead: one satisfaction per case.
	SatisfactionCounted *Counted `json:"satisfaction_counted,omitempty"`

	// Publication is public or private: see IsPublic ("" on cases written before it was kept).
	Publication     Publication `json:"publication,omitempty"`
	ReporterPrivate bool        `json:"reporter_private,omitempty"` // the reporter asked not to be published
	APIKey          string      `json:"api_key_id,omitempty"`       // id of the Open311 api key that submitted it

	// Seal keys the digest of the case that each write records in its last event (CaseDigest). It
	// is kept in a column of its own and never served: without it, someone who sees every other
	// field could try each possible phone number against the digest.
	Seal []byte `json:"-"`
}

// ExtensionRequest is a pending request for more time.
type ExtensionRequest struct {
	RequestedBy string    `json:"requested_by"`
	RequestedAt time.Time `json:"requested_at"`
	Limit       Limit     `json:"limit"` // extra time asked for
	Reason      string    `json:"reason"`
}

// LegalReview records the legal reviewer's decision on a major enforcement decision.
type LegalReview struct {
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
	Approved bool      `json:"approved"`
	Decision Decision  `json:"decision"` // the one decision reviewed; a major resolution must carry it unchanged
	Opinion  string    `json:"opinion,omitempty"`
}

// OwnedOrOwnedBy reports whether unit has ever owned the case.
func (c *Case) OwnedOrOwnedBy(unit string) bool {
	for _, u := range c.Owners {
		if u == unit {
			return true
		}
	}
	return false
}

// Event is one change to a case, as written to the log. Events have a store-wide strictly
// increasing ID and, per case, a sequence number and a SHA-256 hash chain.
type Event struct {
	ID       int64           `json:"id"`
	CaseID   int64           `json:"case_id"`
	Seq      int64           `json:"seq"`
	Type     string          `json:"type"`
	Action   string          `json:"action"`
	Actor    Actor           `json:"actor"`
	At       time.Time       `json:"at"`
	From     State           `json:"from,omitempty"`
	To       State           `json:"to"`
	Owner    string          `json:"owner"`
	Reason   string          `json:"reason,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
	PrevHash string          `json:"prev_hash"`
	Hash     string          `json:"hash"`
	Summary  CaseSummary     `json:"case"` // the case after this event's write (hashed from HashV2 on, but its Number)
	Visible  []string        `json:"-"`    // units whose members may see this event (hashed from HashV2 on)
	// HashVersion says which formula Hash follows (hash.go): 0 for the first, HashV2 for the one
	// that also covers the summary, the visible units and, on the last event of a write, the
	// case's digest and the write's measure deltas.
	HashVersion int          `json:"v,omitempty"`
	CaseDigest  string       `json:"case_digest,omitempty"` // last event of a write: CaseDigest of the case it left
	Tallies     []TallyDelta `json:"tallies,omitempty"`     // last event of a write: its measure deltas
}

// CaseSummary is the part of a case that consoles show in lists, carried on every event: what
// the queues of the consoles sort and filter on, so that a console keeps its lists from the
// stream alone. The fields from Warning on are covered by the hash from HashV3 on; an event
// written before carries them empty (EventSummary fills in what its event knows).
type CaseSummary struct {
	Number       string     `json:"number"`
	State        State      `json:"state"`
	Owner        string     `json:"owner"`
	Unit         string     `json:"unit,omitempty"`
	Channel      string     `json:"channel"`
	Nature       string     `json:"nature"`
	Category     string     `json:"category"`
	Jurisdiction string     `json:"jurisdiction"`
	Address      string     `json:"address,omitempty"`
	Point        Point      `json:"point"`
	Deadline     *time.Time `json:"deadline,omitempty"`
	Overdue      bool       `json:"overdue,omitempty"`

	// Warning: a clock that still counts has passed its warning mark (80%) and none is overdue
	// (the yellow queue; Overdue is the red one).
	Warning     bool              `json:"warning"`
	ReturnCount int               `json:"return_count"`
	Arbitration string            `json:"arbitration"`  // "" | "pending" | "ruled"
	Extension   *ExtensionRequest `json:"extension"`    // the pending request, or null
	SuspendedAt *time.Time        `json:"suspended_at"` // while suspended: since when, else null
	RepeatOf    string            `json:"repeat_of"`    // a likely duplicate of this earlier case
	MergedInto  string            `json:"merged_into"`  // merged into this case
	Inspector   string            `json:"inspector"`    // the inspector assigned to verify or check
	Text        string            `json:"text"`         // the description, cut to SummaryTextRunes
	CreatedAt   time.Time         `json:"created_at"`   // when the report came in
	UpdatedAt   time.Time         `json:"updated_at"`   // the time of the write
	Version     int64             `json:"version"`      // the case's version after the write
}

// SummaryTextRunes is how much of a case's description its summary carries: a queue's line. It is
// part of hash formula 3: the audit compares a case's text cut to it with what its last event
// carries, so changing it needs a new formula.
const SummaryTextRunes = 60

// IsOverdue reports whether a running clock has been marked overdue.
func (c *Case) IsOverdue() bool {
	overdue := false
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.StoppedAt == nil && k.Overdue {
			overdue = true
		}
	})
	return overdue
}

// IsWarned reports whether a clock that still counts has passed its warning mark.
func (c *Case) IsWarned() bool {
	warned := false
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.StoppedAt == nil && k.Warned {
			warned = true
		}
	})
	return warned
}

// SuspendedSince is when the case was suspended (the earliest clock it stopped), or nil.
func (c *Case) SuspendedSince() *time.Time {
	if c.State != Suspended {
		return nil
	}
	var since *time.Time
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.StoppedAt == nil && k.SuspendedAt != nil && (since == nil || k.SuspendedAt.Before(*since)) {
			t := *k.SuspendedAt
			since = &t
		}
	})
	return since
}

// Deadline is the deadline the case is working to now: the handling clock's while the unit
// handles it, otherwise that of the earliest clock still counting.
func (c *Case) Deadline() *time.Time {
	if h := c.Clocks.Handling; h != nil && h.StoppedAt == nil {
		d := h.Deadline
		return &d
	}
	var best *time.Time
	c.Clocks.Each(func(_ string, k *Clock) {
		if k.StoppedAt == nil && (best == nil || k.Deadline.Before(*best)) {
			d := k.Deadline
			best = &d
		}
	})
	return best
}
