package dispatcher

// Action names: what a person (or the hub) can do to a case.
const (
	ActReceive        = "receive" // Submit: a report becomes a case
	ActVerify         = "verify"
	ActRegister       = "register"
	ActReject         = "reject"
	ActAnswer         = "answer"
	ActMerge          = "merge"
	ActDispatch       = "dispatch"
	ActArbitrate      = "arbitrate" // the centre's ruling on a case returned twice
	ActTransfer       = "transfer"
	ActRecordReply    = "record_reply"
	ActAcknowledge    = "acknowledge"
	ActReturn         = "return"
	ActReassign       = "reassign"
	ActExtendRequest  = "extend_request"
	ActExtendApprove  = "extend_approve"
	ActExtendDeny     = "extend_deny"
	ActSuspend        = "suspend"
	ActResume         = "resume"
	ActLegalReview    = "legal_review"
	ActResolve        = "resolve"
	ActCheck          = "check"
	ActPass           = "pass"
	ActRework         = "rework"
	ActVoid           = "void"
	ActReopen         = "reopen"
	ActSupervise      = "supervise"
	ActUrge           = "urge"
	ActNote           = "note"
	ActFollowUp       = "follow_up"
	ActUphold         = "uphold" // the shift leader's review of a 不满意 answer keeps the case closed
	ActRevealContact  = "reveal_contact"
	ActSetPublication = "set_publication"
	ActDeadlineWarn   = "deadline_warning" // the scheduler, at 80% of a limit
	ActDeadlineMissed = "overdue"          // the scheduler, at 100%
)

// Scope says whose members may take an action, beyond their role.
type Scope int

const (
	// ScopeCentre: the actor works in the command centre.
	ScopeCentre Scope = iota
	// ScopeOwnerUnit: the actor is a member of the unit that owns the case now.
	ScopeOwnerUnit
	// ScopeVisible: the actor may see the case (the centre, or a unit that owns or owned it).
	ScopeVisible
)

// Transition is one row of the lifecycle table: an action, the states it may be taken from, the
// state it leads to ("" keeps the state), who may take it and what the event is called.
type Transition struct {
	Action  string
	From    []State // nil: any state
	To      State
	Roles   []Role
	Scope   Scope
	Event   string
	Reason  bool // a reason is required
	Counted bool // the action adds to a measure on its own (returns, reworks, ...)
}

var centre = []Role{Operator, ShiftLeader, DispatcherRole, Inspector, LegalReviewer, Leader}

// Lifecycle is DOMAIN.md's transition table, as data. Tests walk every row for every role and
// state. Service.Act and Service.AvailableActions decide whether an action is allowed by the row
// and the action's guard (guards.go), which checks what depends on the case's data.
var Lifecycle = []Transition{
	{Action: ActVerify, From: []State{Received}, To: Verifying, Roles: []Role{Operator, ShiftLeader}, Event: "case.verifying"},
	{Action: ActRegister, From: []State{Received, Verifying}, To: Registered, Roles: []Role{ShiftLeader, System}, Event: "case.registered"},
	{Action: ActReject, From: []State{Received, Verifying}, To: Rejected, Roles: []Role{ShiftLeader}, Event: "case.rejected", Reason: true},
	{Action: ActAnswer, From: []State{Received}, To: Answered, Roles: []Role{Operator}, Event: "case.answered"},
	{Action: ActMerge, From: []State{Received, Registered}, To: Merged, Roles: []Role{Operator, ShiftLeader}, Event: "case.merged", Reason: true},
	{Action: ActDispatch, From: []State{Registered}, To: Dispatched, Roles: []Role{DispatcherRole, System}, Event: "case.dispatched"},
	{Action: ActArbitrate, From: []State{Registered}, To: Dispatched, Roles: []Role{ShiftLeader}, Event: "case.arbitrated", Reason: true},
	{Action: ActTransfer, From: []State{Registered}, To: Transferred, Roles: []Role{DispatcherRole, System}, Event: "case.transferred"},
	{Action: ActRecordReply, From: []State{Transferred}, To: Closed, Roles: []Role{DispatcherRole}, Event: "case.replied"},
	{Action: ActAcknowledge, From: []State{Dispatched}, To: InProgress, Roles: []Role{TeamLead, Officer, Auxiliary}, Scope: ScopeOwnerUnit, Event: "case.acknowledged"},
	{Action: ActReturn, From: []State{Dispatched, InProgress}, To: Registered, Roles: []Role{TeamLead}, Scope: ScopeOwnerUnit, Event: "case.returned", Reason: true, Counted: true},
	{Action: ActReassign, From: []State{Dispatched, InProgress}, To: Dispatched, Roles: []Role{DispatcherRole, ShiftLeader}, Event: "case.reassigned", Reason: true},
	{Action: ActExtendRequest, From: []State{InProgress}, Roles: []Role{TeamLead}, Scope: ScopeOwnerUnit, Event: "case.extension_requested", Reason: true},
	{Action: ActExtendApprove, From: []State{InProgress}, Roles: []Role{ShiftLeader}, Event: "case.extension_approved", Counted: true},
	{Action: ActExtendDeny, From: []State{InProgress}, Roles: []Role{ShiftLeader}, Event: "case.extension_denied", Reason: true},
	{Action: ActSuspend, From: []State{InProgress}, To: Suspended, Roles: []Role{ShiftLeader}, Event: "case.suspended", Reason: true},
	{Action: ActResume, From: []State{Suspended}, To: InProgress, Roles: []Role{ShiftLeader}, Event: "case.resumed"},
	{Action: ActLegalReview, From: []State{InProgress, Suspended}, Roles: []Role{LegalReviewer}, Event: "case.legal_reviewed"},
	{Action: ActResolve, From: []State{InProgress}, To: Resolved, Roles: []Role{Officer, TeamLead}, Scope: ScopeOwnerUnit, Event: "case.resolved"},
	{Action: ActCheck, From: []State{Resolved}, To: Checking, Roles: []Role{DispatcherRole}, Event: "case.checking"},
	{Action: ActPass, From: []State{Resolved, Checking}, To: Closed, Roles: []Role{Inspector}, Event: "case.closed"},
	{Action: ActRework, From: []State{Resolved, Checking}, To: Dispatched, Roles: []Role{Inspector}, Event: "case.reworked", Reason: true, Counted: true},
	{Action: ActVoid, From: OpenStates, To: Voided, Roles: []Role{ShiftLeader}, Event: "case.voided", Reason: true},
	{Action: ActReopen, From: []State{Closed, Answered}, To: Registered, Roles: []Role{ShiftLeader}, Event: "case.reopened", Reason: true},
	{Action: ActSupervise, Roles: []Role{Leader, ShiftLeader, System}, Scope: ScopeVisible, Event: "case.supervised"},
	{Action: ActUrge, Roles: []Role{Leader, ShiftLeader, DispatcherRole, Operator}, Scope: ScopeVisible, Event: "case.urged"},
	// System: a channel adapter records what the reporter adds (a photo sent after filing) as a note,
	// and the reporter's own answer to the follow-up question (WeChat) as a follow-up.
	{Action: ActNote, Roles: append(append([]Role{}, centre...), TeamLead, Officer, Auxiliary, System), Scope: ScopeVisible, Event: "case.noted"},
	{Action: ActFollowUp, From: []State{Closed, Answered}, Roles: []Role{Operator, ShiftLeader, System}, Scope: ScopeVisible, Event: "case.followed_up", Counted: true},
	{Action: ActUphold, From: []State{Closed, Answered}, Roles: []Role{ShiftLeader}, Event: "case.review_upheld", Reason: true},
	{Action: ActSetPublication, Roles: []Role{ShiftLeader}, Event: "case.publication_changed", Reason: true},
	{Action: ActRevealContact, Roles: []Role{Operator, ShiftLeader, DispatcherRole, Inspector, Leader, TeamLead, Officer}, Scope: ScopeVisible, Event: "case.contact_revealed", Reason: true},
	{Action: ActDeadlineWarn, From: OpenStates, Roles: []Role{System}, Scope: ScopeVisible, Event: "case.deadline_warning"},
	{Action: ActDeadlineMissed, From: OpenStates, Roles: []Role{System}, Scope: ScopeVisible, Event: "case.overdue"},
}

var transitions = func() map[string]*Transition {
	m := make(map[string]*Transition, len(Lifecycle))
	for i := range Lifecycle {
		m[Lifecycle[i].Action] = &Lifecycle[i]
	}
	return m
}()

// TransitionFor returns the lifecycle row of an action.
func TransitionFor(action string) (*Transition, bool) {
	t, ok := transitions[action]
	return t, ok
}

// AllowsState reports whether the action may be taken from state s.
func (t *Transition) AllowsState(s State) bool {
	if t.From == nil {
		return true
	}
	for _, f := range t.From {
		if f == s {
			return true
		}
	}
	return false
}

// AllowsRole reports whether role r may take the action.
func (t *Transition) AllowsRole(r Role) bool {
	for _, x := range t.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Target is the state the action leads to from s.
func (t *Transition) Target(s State) State {
	if t.To == "" {
		return s
	}
	return t.To
}
