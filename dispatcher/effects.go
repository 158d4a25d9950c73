package dispatcher

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"cityhub/geo"
)

// effect performs an action's own rules and changes on a case whose row, role, scope and state have
// already been checked. It returns the event's data. An effect that refuses must do so before it
// changes anything that the caller would keep (callers discard the case on error anyway).
type effect func(tx *change, req *ActionRequest) (map[string]any, error)

var effects map[string]effect

func init() {
	effects = map[string]effect{
		ActVerify: doVerify, ActRegister: doRegister, ActReject: doReject, ActAnswer: doAnswer,
		ActMerge: doMerge, ActDispatch: doDispatch, ActArbitrate: doArbitrate, ActTransfer: doTransfer,
		ActRecordReply: doRecordReply, ActAcknowledge: doAcknowledge, ActReturn: doReturn,
		ActReassign: doReassign, ActExtendRequest: doExtendRequest, ActExtendApprove: doExtendApprove,
		ActExtendDeny: doExtendDeny, ActSuspend: doSuspend, ActResume: doResume,
		ActLegalReview: doLegalReview, ActResolve: doResolve, ActCheck: doCheck, ActPass: doPass,
		ActRework: doRework, ActVoid: doVoid, ActReopen: doReopen, ActUphold: doUphold, ActSupervise: doRemark,
		ActUrge: doRemark, ActNote: doNote, ActFollowUp: doFollowUp, ActRevealContact: doReveal,
		ActDeadlineWarn: doRefuseExternal, ActDeadlineMissed: doRefuseExternal,
	}
	effects[ActSetPublication] = doSetPublication // publication.go
}

func doVerify(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Inspector != "" {
		if err := tx.requireAccount(req.Inspector, Inspector); err != nil {
			return nil, err
		}
		tx.c.Inspector = req.Inspector
	}
	return map[string]any{"inspector": req.Inspector}, nil
}

func doRegister(tx *change, req *ActionRequest) (map[string]any, error) {
	data := map[string]any{"category": tx.c.Category}
	if req.Category != "" && req.Category != tx.c.Category {
		if err := tx.recategorise(req.Category); err != nil {
			return nil, err
		}
		data["category"], data["routing"] = tx.c.Category, tx.c.Routing
	}
	stopClock(tx.c.Clocks.Registration, tx.now)
	tx.tally(MRegistered, 1)
	return data, nil
}

// recategorise confirms another category and routes the case again for it.
func (tx *change) recategorise(code string) error {
	cat, ok := tx.s.Category(code)
	if !ok {
		return FieldError("category", "未知的事件类别 %q (unknown category)", code)
	}
	routing, err := tx.s.Router().Route(tx.ctx, tx.c.Location.Point, code)
	if err != nil {
		return err
	}
	tx.c.Category, tx.c.Routing, tx.c.Urgent = code, routing, cat.Urgent
	return nil
}

func doReject(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.finishCase(MRejected)
	return nil, nil
}

func doAnswer(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Text == "" {
		return nil, FieldError("text", "请填写答复内容 (the answer is required)")
	}
	tx.finishCase(MAnswered)
	return map[string]any{"answer": req.Text}, nil
}

// finishCase stops every clock, marks the end and counts the outcome.
func (tx *change) finishCase(measure string) {
	tx.stopAll()
	t := tx.now
	tx.c.ClosedAt = &t
	tx.tally(measure, 1)
}

func doMerge(tx *change, req *ActionRequest) (map[string]any, error) {
	into, distance, err := tx.mergeTarget(req.Into)
	if err != nil {
		return nil, err
	}
	tx.c.MergedInto = into.Number
	if err := tx.uncountIntake(); err != nil {
		return nil, err
	}
	tx.finishCase(MMerged)
	return map[string]any{"into": into.Number, "distance_m": math.Round(distance)}, nil
}

// mergeTarget finds the case a report is merged into and checks that it can take the report: an
// earlier case, still open and handled within the bureau (not transferred to an outside
// authority), of the same category group and within the catalogue's merge radius. It returns the
// distance between the two in metres.
func (tx *change) mergeTarget(number string) (*Case, float64, error) {
	if number == "" || number == tx.c.Number {
		return nil, 0, FieldError("into", "请指定要合并到的较早案件编号 (name the earlier case to merge into)")
	}
	into, err := tx.s.store.CaseByNumber(tx.ctx, number)
	if ErrorCode(err) == ENotFound {
		return nil, 0, FieldError("into", "案件 %s 不存在 (no case %s)", number, number)
	} else if err != nil {
		return nil, 0, err
	}
	switch {
	case into.ID > tx.c.ID:
		return nil, 0, FieldError("into", "只能合并到较早的案件 (a report is merged into an earlier case)")
	case !into.State.IsOpen() || into.OwnerKind == OwnedByAgency:
		return nil, 0, FieldError("into", "案件 %s %s，不能作为合并目标 (case %s is %s: only an open case handled by the bureau can be merged into)",
			into.Number, StateLabel(into.State), into.Number, into.State)
	}
	mine, ok1 := tx.s.Category(tx.c.Category)
	theirs, ok2 := tx.s.Category(into.Category)
	if !ok1 || !ok2 || mine.Group != theirs.Group {
		return nil, 0, FieldError("into", "案件 %s 不属于同一类别大类 (case %s is not of the same category group)", into.Number, into.Number)
	}
	distance := geo.Distance(tx.c.Location.Point, into.Location.Point)
	if radius := tx.s.Reference().Catalogue.MergeRadiusMetres(); !(distance <= radius) {
		return nil, 0, FieldError("into", "两案相距 %.0f 米，超过合并范围 %.0f 米 (the cases are %.0f m apart; at most %.0f m)", distance, radius, distance, radius)
	}
	return into, distance, nil
}

func doDispatch(tx *change, req *ActionRequest) (map[string]any, error) {
	unit, err := tx.dispatchUnit(req)
	if err != nil {
		return nil, err
	}
	stopClock(tx.c.Clocks.Registration, tx.now)
	return tx.startDispatch(unit), nil
}

func doArbitrate(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Unit == "" {
		return nil, FieldError("unit", "仲裁须指定承办单位 (the ruling must name a unit)")
	}
	unit, err := tx.dispatchUnit(req)
	if err != nil {
		return nil, err
	}
	tx.c.Arbitration = "ruled"
	tx.countRuling(unit)
	data := tx.startDispatch(unit)
	data["ruling"] = true
	return data, nil
}

// countRuling counts the ruling under every unit that had returned the case (DimRuling).
func (tx *change) countRuling(to string) {
	day := tx.here().Day
	for _, by := range slices.Sorted(maps.Keys(tx.c.Returns)) {
		tx.tallies = append(tx.tallies, Tally{Day: day, Dim: DimRuling, Key: by + "/" + to, Measure: MRulings, Delta: 1})
	}
}

// ReturnReasonKey is a return's reason as DimReturnReason keeps it: spaces collapsed, at most
// ReturnReasonRunes characters, "/" kept out of it (it separates the unit), "未说明" when empty.
func ReturnReasonKey(reason string) string {
	r := []rune(strings.Join(strings.Fields(strings.ReplaceAll(reason, "/", "／")), " "))
	if len(r) > ReturnReasonRunes {
		r = r[:ReturnReasonRunes]
	}
	if len(r) == 0 {
		return "未说明"
	}
	return string(r)
}

// dispatchUnit is the unit a dispatch goes to: the router's, or another one given with a reason.
func (tx *change) dispatchUnit(req *ActionRequest) (string, error) {
	unit := req.Unit
	if unit == "" {
		unit = tx.c.Routing.Unit
	}
	if err := tx.requireBureauUnit(unit); err != nil {
		return "", err
	}
	if unit != tx.c.Routing.Unit && req.Reason == "" {
		return "", FieldError("reason", "派往非路由单位须说明理由 (dispatching away from the routed unit needs a reason)")
	}
	return unit, nil
}

func (tx *change) requireBureauUnit(code string) error {
	u, ok := tx.s.Unit(code)
	if !ok {
		return FieldError("unit", "未知的单位 %q (unknown unit)", code)
	}
	if u.IsExternal() || u.Kind == UnitCommandCentre {
		return FieldError("unit", "%s 不是处置单位 (not a handling unit of the bureau)", u.DisplayName())
	}
	return nil
}

// startDispatch hands the case to a unit and starts its acknowledgement and handling clocks. An
// extension asked for by the unit before is void: the new handling clock has its own bound.
func (tx *change) startDispatch(unit string) map[string]any {
	c := tx.c
	tx.stopAck(false)
	c.Unit, c.Extension = unit, nil
	cat, _ := tx.s.Category(c.Category)
	stopClock(c.Clocks.Handling, tx.now)
	c.Clocks.Acknowledge = tx.s.startClock(tx.now, tx.s.ackLimit(c.Urgent))
	c.Clocks.Handling = tx.s.startClock(tx.now, cat.HandleLimit)
	tx.tally(MDispatched, 1)
	return map[string]any{"unit": unit, "acknowledge_by": c.Clocks.Acknowledge.Deadline,
		"handle_by": c.Clocks.Handling.Deadline, "co_handlers": c.Routing.CoHandlers}
}

func doTransfer(tx *change, req *ActionRequest) (map[string]any, error) {
	unit := req.Unit
	if unit == "" {
		unit = tx.c.Routing.Unit
	}
	u, ok := tx.s.Unit(unit)
	if !ok || !u.IsExternal() {
		return nil, FieldError("unit", "移交须指定外部机关或单位 (a transfer goes to an outside authority or agency)")
	}
	stopClock(tx.c.Clocks.Registration, tx.now)
	tx.c.Unit = unit
	return map[string]any{"unit": unit}, nil
}

func doRecordReply(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Text == "" {
		return nil, FieldError("text", "请登记对方的答复 (the agency's answer is required)")
	}
	return map[string]any{"reply": req.Text, "on_time": tx.closeCase()}, nil
}

// closeCase closes a case and counts whether it closed within the handling deadline, which it
// reports: the closure's event says so in its data (on_time), so that the cases behind the
// on-time count can be found.
func (tx *change) closeCase() bool {
	h := tx.c.Clocks.Handling
	tx.finishCase(MClosed)
	onTime := h == nil || !tx.now.After(h.Deadline)
	if onTime {
		tx.tally(MClosedOnTime, 1)
	}
	return onTime
}

func doAcknowledge(tx *change, req *ActionRequest) (map[string]any, error) {
	return map[string]any{"on_time": tx.stopAck(true)}, nil
}

func doReturn(tx *change, req *ActionRequest) (map[string]any, error) {
	c := tx.c
	tx.tally(MReturns, 1)
	tx.tallies = append(tx.tallies, Tally{Day: tx.here().Day, Dim: DimReturnReason,
		Key: c.Unit + "/" + ReturnReasonKey(req.Reason), Measure: MReturns, Delta: 1})
	if c.Returns == nil {
		c.Returns = map[string]int{}
	}
	c.Returns[c.Unit]++
	c.ReturnCount++
	tx.stopAck(false)
	stopClock(c.Clocks.Handling, tx.now)
	data := map[string]any{"unit": c.Unit, "unit_returns": c.Returns[c.Unit], "returns": c.ReturnCount}
	c.Unit, c.Extension = "", nil
	if c.ReturnCount >= 2 {
		c.Arbitration = "pending"
		data["arbitration"] = true
	}
	return data, nil
}

func doReassign(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Unit == "" || req.Unit == tx.c.Unit {
		return nil, FieldError("unit", "请指定另一个承办单位 (name another unit)")
	}
	if err := tx.requireBureauUnit(req.Unit); err != nil {
		return nil, err
	}
	from := tx.c.Unit
	data := tx.startDispatch(req.Unit)
	data["from_unit"] = from
	return data, nil
}

func doExtendRequest(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Limit == nil {
		return nil, FieldError("limit", "请填写延期时长，如 {\"value\":2,\"unit\":\"%s\"} (the extra time is required, in the handling clock's unit)", tx.c.Clocks.Handling.Limit.Unit)
	}
	if err := tx.s.checkExtension(tx.c, *req.Limit); err != nil {
		return nil, err
	}
	tx.c.Extension = &ExtensionRequest{RequestedBy: tx.actor.Login, RequestedAt: tx.now, Limit: *req.Limit, Reason: req.Reason}
	return map[string]any{"limit": *req.Limit}, nil
}

func doExtendApprove(tx *change, req *ActionRequest) (map[string]any, error) {
	ext, h, cal := tx.c.Extension, tx.c.Clocks.Handling, tx.s.Calendar()
	old := h.Deadline
	h.Extended += ext.Limit.Value
	moveDeadline(cal, h, cal.Extend(old, ext.Limit))
	tx.c.Extension = nil
	tx.tally(MExtensions, 1)
	return map[string]any{"limit": ext.Limit, "old_deadline": old, "deadline": h.Deadline, "warn_at": h.WarnAt,
		"extended": Limit{Value: h.Extended, Unit: h.Limit.Unit}}, nil
}

func doExtendDeny(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.c.Extension = nil
	return nil, nil
}

func doSuspend(tx *change, req *ActionRequest) (map[string]any, error) {
	suspendClocks(tx.c, tx.now)
	return nil, nil
}

func doResume(tx *change, req *ActionRequest) (map[string]any, error) {
	resumeClocks(tx.s.Calendar(), tx.c, tx.now)
	return map[string]any{"deadline": tx.c.Deadline()}, nil
}

func doLegalReview(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Decision == nil || req.Approved == nil {
		return nil, FieldError("decision", "请填写审核的执法决定及是否同意 (decision and approved are required)")
	}
	d := *req.Decision
	if err := d.normalise("decision"); err != nil {
		return nil, err
	}
	if !d.EnforcementAct() {
		return nil, FieldError("decision.kind", "劝导教育不是执法决定，无需法制审核 (advice is not an enforcement decision: there is nothing to review)")
	}
	tx.c.LegalReview = &LegalReview{Reviewer: tx.actor.Login, At: tx.now, Approved: *req.Approved,
		Decision: d, Opinion: req.Text}
	return map[string]any{"decision": d, "approved": *req.Approved, "opinion": req.Text,
		"major": d.Major(tx.s.Reference().Catalogue.MajorFineYuan())}, nil
}

// doResolve records the unit's result and, if it made one, its decision. Whether the resolution is
// an enforcement act, and a major one, follows from the decision and the category (checkDecision)
// and is written in the event for the record.
func doResolve(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Text == "" {
		return nil, FieldError("text", "请填写处置结果 (the result is required)")
	}
	var decision *Decision
	act, major := false, false
	if req.Decision != nil {
		d := *req.Decision
		var err error
		if act, major, err = tx.checkDecision(&d); err != nil {
			return nil, err
		}
		decision = &d
	}
	stopClock(tx.c.Clocks.Handling, tx.now)
	tx.tally(MResolved, 1)
	if ack := tx.c.Clocks.Acknowledge; ack != nil && ack.StoppedAt != nil {
		tx.tally(MHandleSeconds, seconds(*ack.StoppedAt, tx.now))
	}
	tx.c.Clocks.Checking = tx.s.startClock(tx.now, tx.s.checkLimit())
	return map[string]any{"result": req.Text, "evidence": req.Evidence,
		"enforcement_act": act, "major": major, "decision": decision}, nil
}

// checkDecision holds a resolution's decision to the rule-of-law duties and reports whether it is
// an enforcement act and a major one. Advice may be recorded by anyone who resolves. Any other kind
// is an enforcement act: the category must be an enforcement matter and the actor must hold a
// certificate valid today (持证上岗); a major decision must be the one a legal reviewer approved,
// unchanged: same kind, same amount, same text (重大执法决定法制审核).
func (tx *change) checkDecision(d *Decision) (act, major bool, err error) {
	if err := d.normalise("decision"); err != nil {
		return false, false, err
	}
	if !d.EnforcementAct() {
		return false, false, nil
	}
	if cat, _ := tx.s.Category(tx.c.Category); !cat.IsEnforcement() {
		return false, false, FieldError("decision.kind", "“%s”不属于执法事项，只能劝导教育 (category %s is not an enforcement matter: advice only)", cat.Name, tx.c.Category)
	}
	if !tx.certificateValid() {
		return false, false, Errorf(EForbidden, "执法证无效或已过期，不能作出执法行为“%s” (an enforcement act needs a valid certificate)", DecisionLabel(d.Kind))
	}
	major = d.Major(tx.s.Reference().Catalogue.MajorFineYuan())
	if lr := tx.c.LegalReview; major && (lr == nil || !lr.Approved || lr.Decision != *d) {
		return true, true, Errorf(EConflict, "重大执法决定须经法制审核同意，并按审核的决定原样作出 (a major decision takes effect only as the legal reviewer approved it, unchanged)")
	}
	return true, major, nil
}

// certificateValid: the actor is an officer or team lead holding a certificate valid on today's
// date in the calendar's zone. Auxiliaries never perform enforcement acts, whatever they hold.
func (tx *change) certificateValid() bool {
	cert := tx.actor.Certificate
	if cert == nil || cert.Number == "" || (tx.actor.Role != Officer && tx.actor.Role != TeamLead) {
		return false
	}
	until, err := time.ParseInLocation("2006-01-02", cert.ValidUntil, tx.s.Calendar().Location())
	return err == nil && tx.now.Before(until.AddDate(0, 0, 1))
}

func doCheck(tx *change, req *ActionRequest) (map[string]any, error) {
	if err := tx.requireAccount(req.Inspector, Inspector); err != nil {
		return nil, err
	}
	tx.c.Inspector = req.Inspector
	return map[string]any{"inspector": req.Inspector}, nil
}

func doPass(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.countCheck()
	return map[string]any{"on_time": tx.closeCase()}, nil
}

func doRework(tx *change, req *ActionRequest) (map[string]any, error) {
	c := tx.c
	tx.countCheck()
	stopClock(c.Clocks.Checking, tx.now)
	c.ReworkCount++
	tx.tally(MReworks, 1)
	// Same unit, same handling deadline: a rework does not buy more time.
	if h := c.Clocks.Handling; h != nil {
		h.StoppedAt = nil
	}
	c.Clocks.Acknowledge = tx.s.startClock(tx.now, tx.s.ackLimit(c.Urgent))
	tx.tally(MDispatched, 1)
	return map[string]any{"unit": c.Unit, "reworks": c.ReworkCount}, nil
}

// countCheck counts a check (pass or rework) and the time since the resolution it checks, when
// the checking clock started by that resolution says when it was.
func (tx *change) countCheck() {
	tx.tally(MChecked, 1)
	if k := tx.c.Clocks.Checking; k != nil {
		tx.tally(MCheckSeconds, seconds(k.StartedAt, tx.now))
	}
}

func doVoid(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.finishCase(MVoided)
	return nil, nil
}

// doReopen keeps the satisfaction answer that led to the reopening: it stays counted until a
// later follow-up replaces it.
func doReopen(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.stopAll()
	tx.c.ClosedAt, tx.c.Unit = nil, ""
	if tx.c.Review == ReviewPending {
		tx.c.Review = ReviewReopened
		return map[string]any{"review": ReviewReopened}, nil
	}
	return nil, nil
}

// doUphold ends a review by keeping the case closed; the reason is what the reporter is told.
func doUphold(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.c.Review = ReviewUpheld
	return map[string]any{"review": ReviewUpheld}, nil
}

func doRemark(tx *change, req *ActionRequest) (map[string]any, error) {
	return map[string]any{"text": req.Text}, nil
}

func doNote(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Text == "" {
		return nil, FieldError("text", "备注内容不能为空 (the note is empty)")
	}
	return map[string]any{"text": req.Text}, nil
}

// Satisfaction answers of a follow-up call.
var satisfactionCodes = map[string]string{
	"satisfied": "satisfied", "满意": "satisfied",
	"basically_satisfied": "basically_satisfied", "基本满意": "basically_satisfied",
	"dissatisfied": "dissatisfied", "不满意": "dissatisfied",
}

func doFollowUp(tx *change, req *ActionRequest) (map[string]any, error) {
	code, ok := satisfactionCodes[req.Satisfaction]
	if !ok {
		return nil, FieldError("satisfaction", "满意度须为 满意、基本满意 或 不满意 (satisfied, basically_satisfied or dissatisfied)")
	}
	c := tx.c
	data := map[string]any{"satisfaction": code, "text": req.Text}
	if prev := c.SatisfactionCounted; prev != nil {
		tx.countSatisfaction(*prev, c.Satisfaction, -1)
		data["replaces"] = c.Satisfaction
	}
	here := tx.here()
	tx.countSatisfaction(here, code, +1)
	c.Satisfaction, c.SatisfactionCounted = code, &here
	if code == "dissatisfied" { // the shift leader reviews it: uphold with a reason, or reopen
		c.Review = ReviewPending
		data["review"] = ReviewPending
	}
	return data, nil
}

// countSatisfaction adds delta to the follow-up counters where at says, for one answer.
func (tx *change) countSatisfaction(at Counted, answer string, delta int64) {
	tx.tallyAt(at, MFollowedUp, delta)
	if answer != "dissatisfied" {
		tx.tallyAt(at, MSatisfied, delta)
	}
}

func doReveal(tx *change, req *ActionRequest) (map[string]any, error) {
	return map[string]any{"field": "reporter"}, nil
}

// doRefuseExternal guards the scheduler's own marks: they are written only by Tick.
func doRefuseExternal(tx *change, req *ActionRequest) (map[string]any, error) {
	return nil, Errorf(EForbidden, "此操作由系统自动执行 (only the hub's scheduler does this)")
}

func (tx *change) requireAccount(login string, role Role) error {
	if login == "" {
		return FieldError("inspector", "请指定%s (name the %s)", RoleLabel(role), role)
	}
	a, err := tx.s.store.Account(tx.ctx, login)
	if err != nil || a.Role != role || a.Disabled {
		return FieldError("inspector", "%q 不是有效的%s (not an active %s)", login, RoleLabel(role), role)
	}
	return nil
}
