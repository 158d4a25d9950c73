package dispatcher

import (
	"context"
	"time"
)

// ActionRequest is what an actor asks of a case. Only the fields an action reads matter to it.
type ActionRequest struct {
	Action    string     `json:"action"`
	Reason    string     `json:"reason,omitempty"`
	Text      string     `json:"text,omitempty"`      // answer, reply, result, note, supervision
	Unit      string     `json:"unit,omitempty"`      // dispatch, arbitrate, reassign, transfer
	Category  string     `json:"category,omitempty"`  // register: the confirmed category
	Into      string     `json:"into,omitempty"`      // merge: the earlier case's number
	Inspector string     `json:"inspector,omitempty"` // verify, check: the inspector's login
	Limit     *Limit     `json:"limit,omitempty"`     // extend_request: the extra time
	Evidence  []Evidence `json:"evidence,omitempty"`  // resolve
	// Decision is what legal_review reviews and what resolve records. Whether a resolution is an
	// enforcement act, and a major one, follows from it and the case's category, never from the client.
	Decision     *Decision `json:"decision,omitempty"`
	Approved     *bool     `json:"approved,omitempty"` // legal_review
	Satisfaction string    `json:"satisfaction,omitempty"`
	Version      int64     `json:"version,omitempty"` // if set, the case must still be at this version
	// Media are hashes of uploaded files (POST /api/v1/media) the action attaches to the case:
	// the resolution's photos, an inspector's, a note's.
	Media []string `json:"media,omitempty"`

	Publication Publication `json:"publication,omitempty"` // set_publication: public or private
}

// Evidence is one piece of the full-process record attached when handling a case.
type Evidence struct {
	Kind   string    `json:"kind"` // photo, video, document
	Ref    string    `json:"ref"`
	SHA256 string    `json:"sha256,omitempty"`
	Device string    `json:"device,omitempty"`
	Place  string    `json:"place,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

// change collects what one transaction does to one case: its events and tallies.
type change struct {
	ctx     context.Context
	s       *Service
	c       *Case
	actor   Actor
	now     time.Time
	events  []*Event
	tallies []Tally
	overdue gaugeKey // the overdue-open gauge position before the change
}

type gaugeKey struct {
	on   bool
	dims [4]string
}

func newChange(ctx context.Context, s *Service, c *Case, actor Actor, now time.Time) *change {
	return &change{ctx: ctx, s: s, c: c, actor: actor, now: now, overdue: overdueGauge(c)}
}

// apply checks and performs one action: the table row, the actor, then the action's own rules.
func (tx *change) apply(req ActionRequest) error {
	t, ok := TransitionFor(req.Action)
	if !ok || t.Action == ActReceive {
		return FieldError("action", "未知的操作 %q (unknown action)", req.Action)
	}
	if err := tx.s.allowed(t, tx.c, tx.actor); err != nil {
		return err
	}
	if t.Reason && req.Reason == "" {
		return FieldError("reason", "“%s”必须填写理由 (%s needs a reason)", ActionLabel(t.Action), t.Action)
	}
	if err := validateText(req.Reason); err != nil {
		return err
	}
	if err := validateText(req.Text); err != nil {
		return err
	}
	data, err := effects[t.Action](tx, &req)
	if err != nil {
		return err
	}
	if data, err = tx.attach(req.Media, data); err != nil {
		return err
	}
	tx.record(t, req, data)
	return nil
}

// record appends the event of a transition that has been checked and whose effects are done.
func (tx *change) record(t *Transition, req ActionRequest, data map[string]any) {
	c := tx.c
	from := c.State
	c.State = t.Target(from)
	tx.setOwner()
	var raw []byte
	if len(data) > 0 {
		raw, _ = canonicalJSON(data)
	}
	ev := &Event{CaseID: c.ID, Seq: c.Version + 1, Type: t.Event, Action: t.Action, Actor: tx.actor,
		At: tx.now, To: c.State, Owner: c.Owner, Reason: req.Reason, Data: raw}
	if t.Action != ActReceive {
		ev.From = from
	}
	c.Version, c.UpdatedAt = ev.Seq, tx.now // the hashes and LastHash are written by finish
	tx.events = append(tx.events, ev)
}

// setOwner applies DOMAIN.md's ownership rule after a state change and remembers new owners.
func (tx *change) setOwner() {
	c := tx.c
	c.OwnerKind = OwnerKindOf(c.State)
	switch c.OwnerKind {
	case OwnedByCentre:
		c.Owner = CommandCentre
	case OwnedByUnit, OwnedByAgency:
		c.Owner = c.Unit
	default:
		c.Owner = ""
	}
	if c.Owner != "" && !c.OwnedOrOwnedBy(c.Owner) {
		c.Owners = append(c.Owners, c.Owner)
	}
}

// finish completes the change: summaries, visibility, the overdue gauge, the next due mark, and
// then the events' hashes, which cover all of that.
func (tx *change) finish() {
	c := tx.c
	c.NextDue = nextDue(c)
	if after := overdueGauge(c); after != tx.overdue {
		tx.gauge(tx.overdue, -1)
		tx.gauge(after, +1)
	}
	visible := visibleUnitsOf(c)
	summary := Summarize(c)
	for _, ev := range tx.events {
		ev.Summary = summary
		ev.Visible = visible
	}
	tx.hashEvents()
}

// hashEvents chains the events of the change with HashV2. The last one also records the digest
// of the case as the change leaves it and the change's measure deltas, so that the audit can
// check every stored field of the case, and the measures, against the chain. A case written
// before seals existed gets its seal now (the store keeps the first seal a case is given).
func (tx *change) hashEvents() {
	if len(tx.events) == 0 {
		return
	}
	c := tx.c
	if len(c.Seal) == 0 {
		c.Seal = NewSeal()
	}
	last := tx.events[len(tx.events)-1]
	last.Tallies = compactTallies(tx.tallies)
	last.CaseDigest = CaseDigest(c)
	for _, ev := range tx.events {
		ev.HashVersion, ev.PrevHash = HashV2, c.LastHash
		ev.Hash = EventHash(ev)
		c.LastHash = ev.Hash
	}
}

// Summarize is the list view of a case that travels on every event.
func Summarize(c *Case) CaseSummary {
	return CaseSummary{Number: c.Number, State: c.State, Owner: c.Owner, Unit: c.Unit,
		Channel: c.Channel, Nature: c.Nature, Category: c.Category, Jurisdiction: c.Routing.Jurisdiction,
		Address: c.Location.Address, Point: c.Location.Point, Deadline: c.Deadline(), Overdue: c.IsOverdue()}
}
