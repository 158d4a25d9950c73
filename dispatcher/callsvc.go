package dispatcher

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The service's side of the call log (calls.go): the telephone system's events applied to the
// log, what an operator sees of a caller, the block list.

// CallEvent is one event of the telephone system, authenticated by the channel (intake/hotline).
type CallEvent struct {
	Event     string    `json:"event"`
	CallID    string    `json:"call_id"`
	Caller    string    `json:"caller"`
	Agent     string    `json:"agent"`
	Recording string    `json:"recording,omitempty"`
	At        time.Time `json:"at,omitempty"` // when it happened; zero: now
}

// Repeat callers: a number that called RepeatCalls times or more in RepeatWindow, or that has
// open cases, is flagged on the pop (重复来电).
const (
	RepeatCalls  = 3
	RepeatWindow = 7 * 24 * time.Hour
)

func (s *Service) callStore() (CallStore, error) {
	cs, ok := s.store.(CallStore)
	if !ok {
		return nil, Errorf(EUnavailable, "此存储不保存通话记录 (this store keeps no call log)")
	}
	return cs, nil
}

// Validate checks an event's fields before anything is written.
func (ev *CallEvent) Validate() error {
	switch ev.Event {
	case CallRinging, CallAnswered, CallHungUp:
	default:
		return FieldError("event", "event 须为 ringing、answered 或 hung_up (event must be ringing, answered or hung_up)")
	}
	for _, f := range [][2]string{{"call_id", ev.CallID}, {"agent", ev.Agent}, {"recording", ev.Recording}} {
		if !utf8.ValidString(f[1]) || utf8.RuneCountInString(f[1]) > 256 || strings.ContainsFunc(f[1], isControl) {
			return FieldError(f[0], "%s 过长或含控制字符 (%s is too long or holds a control character)", f[0], f[0])
		}
	}
	if ev.CallID == "" {
		return FieldError("call_id", "缺少 call_id (call_id is required)")
	}
	if ev.Event == CallRinging && ev.Caller == "" {
		return FieldError("caller", "振铃事件须带来电号码 (ringing needs the caller's number)")
	}
	if ev.Caller != "" && (len(ev.Caller) > MaxPhoneRunes || strings.TrimFunc(ev.Caller, isPhoneRune) != "") {
		return FieldError("caller", "caller 须为电话号码 (caller must be a phone number)")
	}
	return nil
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// RecordCallEvent applies an event of the telephone system to the call log. It reports whether
// the log changed: the same event delivered again changes nothing.
func (s *Service) RecordCallEvent(ctx context.Context, ev CallEvent) (*Call, bool, error) {
	if err := ev.Validate(); err != nil {
		return nil, false, err
	}
	cs, err := s.callStore()
	if err != nil {
		return nil, false, err
	}
	if ev.At.IsZero() {
		ev.At = s.Now()
	}
	for attempt := 0; ; attempt++ {
		c, changed, err := s.applyCallEvent(ctx, cs, ev)
		if ErrorCode(err) == EConflict && attempt < 5 {
			continue // another instance took the call's previous event meanwhile
		}
		return c, changed, err
	}
}

func (s *Service) applyCallEvent(ctx context.Context, cs CallStore, ev CallEvent) (*Call, bool, error) {
	c, err := cs.Call(ctx, ev.CallID)
	switch {
	case ErrorCode(err) == ENotFound:
		c = &Call{ID: ev.CallID, RingingAt: ev.At}
	case err != nil:
		return nil, false, err
	}
	prev := c.Version
	if !applyCall(c, ev) {
		return c, false, nil
	}
	if err := cs.PutCall(ctx, c, prev); err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// applyCall changes the call as the event says; false when it was applied before. The telephone
// system may deliver answered or hung_up without ringing (a lost event): the call is made anyway.
func applyCall(c *Call, ev CallEvent) bool {
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&c.Caller, ev.Caller)
	fill(&c.Agent, ev.Agent)
	fill(&c.Recording, ev.Recording)
	switch ev.Event {
	case CallRinging:
		return c.Version == 0
	case CallAnswered:
		if c.AnsweredAt != nil {
			return false
		}
		at := ev.At
		c.AnsweredAt = &at
	case CallHungUp:
		if c.EndedAt != nil {
			return false
		}
		at := ev.At
		c.EndedAt, c.Outcome = &at, CallOutcomeAbandoned
		if c.AnsweredAt != nil {
			c.Outcome, c.Seconds = CallOutcomeAnswered, int64(at.Sub(*c.AnsweredAt)/time.Second)
		}
	}
	return true
}

// linkCall records on the call the case filed during it (best effort: the case stands).
func (s *Service) linkCall(ctx context.Context, ref *CallRef, number string) {
	cs, err := s.callStore()
	if ref == nil || err != nil {
		return
	}
	for attempt := 0; attempt < 5; attempt++ {
		c, err := cs.Call(ctx, ref.ID)
		if err != nil || slices.Contains(c.Cases, number) {
			return
		}
		prev := c.Version
		c.Cases = append(c.Cases, number)
		if err := cs.PutCall(ctx, c, prev); ErrorCode(err) != EConflict {
			return
		}
	}
}

// mayUseCalls: the call log is the command centre's intake desk's.
func mayUseCalls(actor Actor) error {
	if actor.Role == System || (actor.InCentre() && (actor.Role == Operator || actor.Role == ShiftLeader || actor.Role == Leader)) {
		return nil
	}
	return Errorf(EForbidden, "只有受理员、值班长和领导可以查看通话记录 (only operators, shift leaders and leaders see the call log)")
}

// Calls lists the call log for the actor, the callers' numbers masked unless the actor sees contacts.
func (s *Service) Calls(ctx context.Context, actor Actor, f CallFilter) ([]*Call, error) {
	if err := mayUseCalls(actor); err != nil {
		return nil, err
	}
	if f.Caller != "" {
		if err := checkPhoneQuery(actor, f.Caller); err != nil {
			return nil, err
		}
	}
	cs, err := s.callStore()
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	list, err := cs.Calls(ctx, f)
	if err != nil || CanSeeContact(actor) || actor.Role == System {
		return list, err
	}
	for _, c := range list {
		c.Caller = maskPhone(c.Caller)
	}
	return list, nil
}

// CallMeasures are the call counts of the days from..to (inclusive, "YYYY-MM-DD", the calendar's zone).
func (s *Service) CallMeasures(ctx context.Context, actor Actor, from, to string) (CallCounts, error) {
	if err := mayUseCalls(actor); err != nil {
		return CallCounts{}, err
	}
	cs, err := s.callStore()
	if err != nil {
		return CallCounts{}, err
	}
	loc := s.Calendar().Location()
	f, err1 := time.ParseInLocation(dayLayout, from, loc)
	t, err2 := time.ParseInLocation(dayLayout, to, loc)
	if err1 != nil || err2 != nil || t.Before(f) {
		return CallCounts{}, FieldError("from", "from 和 to 须为日期 YYYY-MM-DD，且 from 不晚于 to (from and to must be dates, from not after to)")
	}
	return cs.CallCounts(ctx, f, t.AddDate(0, 0, 1))
}

// Caller is what an operator's console shows of a caller when the phone rings: the earlier cases,
// a block in force, and whether they call often.
type Caller struct {
	Phone  string    `json:"phone"`
	Cases  []CaseRow `json:"cases"`
	Block  *Block    `json:"block,omitempty"`
	Calls  int       `json:"calls"`  // calls from the number in the last RepeatWindow, this one included
	Repeat bool      `json:"repeat"` // 重复来电
}

// CallerInfo gathers what the console pops for a caller.
func (s *Service) CallerInfo(ctx context.Context, actor Actor, phone string) (Caller, error) {
	if err := checkPhoneQuery(actor, phone); err != nil {
		return Caller{}, err
	}
	cs, err := s.callStore()
	if err != nil {
		return Caller{}, err
	}
	page, err := s.Cases(ctx, actor, CaseFilter{Phone: phone, Newest: true, Limit: 20})
	if err != nil {
		return Caller{}, err
	}
	out := Caller{Phone: phone, Cases: []CaseRow{}}
	open := 0
	for _, c := range page.Cases {
		out.Cases = append(out.Cases, RowOf(actor, c))
		if c.State.IsOpen() {
			open++
		}
	}
	calls, err := cs.Calls(ctx, CallFilter{Caller: phone, From: s.Now().Add(-RepeatWindow), Limit: 100})
	if err != nil {
		return Caller{}, err
	}
	out.Calls = len(calls)
	out.Repeat = out.Calls >= RepeatCalls || open > 0
	out.Block, err = s.blockOf(ctx, cs, phone)
	return out, err
}

func (s *Service) blockOf(ctx context.Context, cs CallStore, phone string) (*Block, error) {
	blocks, err := cs.Blocks(ctx, s.Now())
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		if b.Phone == phone {
			return &b, nil
		}
	}
	return nil, nil
}

// Blocks lists the block list in force (operators and shift leaders).
func (s *Service) Blocks(ctx context.Context, actor Actor) ([]Block, error) {
	if !CanSeeContact(actor) {
		return nil, Errorf(EForbidden, "只有受理员和值班长可以查看黑名单 (only operators and shift leaders see the block list)")
	}
	cs, err := s.callStore()
	if err != nil {
		return nil, err
	}
	return cs.Blocks(ctx, s.Now())
}

// PutBlock puts a number on the block list (shift leaders), with a reason and an optional expiry.
func (s *Service) PutBlock(ctx context.Context, actor Actor, phone, reason string, expires *time.Time) (Block, error) {
	if actor.Role != ShiftLeader || !actor.InCentre() {
		return Block{}, Errorf(EForbidden, "只有值班长可以设置黑名单 (only a shift leader keeps the block list)")
	}
	if err := checkPhoneQuery(actor, phone); err != nil {
		return Block{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return Block{}, FieldError("reason", "请填写理由，最多 200 字 (a reason of at most 200 characters is required)")
	}
	if expires != nil && !expires.After(s.Now()) {
		return Block{}, FieldError("expires_at", "到期时间须在将来 (expires_at must be in the future)")
	}
	cs, err := s.callStore()
	if err != nil {
		return Block{}, err
	}
	b := Block{Phone: phone, Reason: reason, By: actor.Login, At: s.Now(), ExpiresAt: expires}
	return b, cs.PutBlock(ctx, b)
}

// DeleteBlock takes a number off the block list (shift leaders).
func (s *Service) DeleteBlock(ctx context.Context, actor Actor, phone string) error {
	if actor.Role != ShiftLeader || !actor.InCentre() {
		return Errorf(EForbidden, "只有值班长可以设置黑名单 (only a shift leader keeps the block list)")
	}
	cs, err := s.callStore()
	if err != nil {
		return err
	}
	return cs.DeleteBlock(ctx, phone)
}
