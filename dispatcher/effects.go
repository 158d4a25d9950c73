package dispatcher

import (
	"time"
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
		ActRework: doRework, ActVoid: doVoid, ActReopen: doReopen, ActSupervise: doRemark,
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
	if tx.c.Nature != "inquiry" {
		return nil, Errorf(EConflict, "只有咨询类诉求可以直接办结 (only inquiries can be answered at intake)")
	}
	if req.Text == "" {
		return nil, FieldError("text", "请填写答复内容 (the answer is required)")
	}
	tx.finishCase(MAnswered)
	return map[string]any{"answer": req.Text}, nil
}

// finishCase stops every clock, marks the end and counts the outcome.
func (tx *change) finishCase(measure string) {
	stopAll(tx.c, tx.now)
	t := tx.now
	tx.c.ClosedAt = &t
	tx.tally(measure, 1)
}

func doMerge(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Into == "" || req.Into == tx.c.Number {
		return nil, FieldError("into", "请指定要合并到的较早案件编号 (name the earlier case to merge into)")
	}
	into, err := tx.s.store.CaseByNumber(tx.ctx, req.Into)
	if err != nil {
		return nil, err
	}
	if into.State == Merged || into.State == Voided || into.ID > tx.c.ID {
		return nil, Errorf(EConflict, "案件 %s 不能作为合并目标 (case %s cannot be merged into)", into.Number, into.Number)
	}
	tx.c.MergedInto = into.Number
	tx.finishCase(MMerged)
	return map[string]any{"into": into.Number}, nil
}

func doDispatch(tx *change, req *ActionRequest) (map[string]any, error) {
	if tx.c.Arbitration == "pending" {
		return nil, Errorf(EConflict, "案件已两次回退，须由值班长仲裁派遣 (returned twice: awaiting arbitration)")
	}
	unit, err := tx.dispatchUnit(req)
	if err != nil {
		return nil, err
	}
	stopClock(tx.c.Clocks.Registration, tx.now)
	return tx.startDispatch(unit), nil
}

func doArbitrate(tx *change, req *ActionRequest) (map[string]any, error) {
	if tx.c.Arbitration != "pending" {
		return nil, Errorf(EConflict, "只有两次回退的案件需要仲裁 (only a case returned twice goes to arbitration)")
	}
	if req.Unit == "" {
		return nil, FieldError("unit", "仲裁须指定承办单位 (the ruling must name a unit)")
	}
	unit, err := tx.dispatchUnit(req)
	if err != nil {
		return nil, err
	}
	tx.c.Arbitration = "ruled"
	data := tx.startDispatch(unit)
	data["ruling"] = true
	return data, nil
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

// startDispatch hands the case to a unit and starts its acknowledgement and handling clocks.
func (tx *change) startDispatch(unit string) map[string]any {
	c := tx.c
	c.Unit = unit
	cat, _ := tx.s.Category(c.Category)
	stopClock(c.Clocks.Acknowledge, tx.now)
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
	tx.closeCase()
	return map[string]any{"reply": req.Text}, nil
}

// closeCase closes a case and counts whether it closed within the handling deadline.
func (tx *change) closeCase() {
	h := tx.c.Clocks.Handling
	tx.finishCase(MClosed)
	if h == nil || !tx.now.After(h.Deadline) {
		tx.tally(MClosedOnTime, 1)
	}
}

func doAcknowledge(tx *change, req *ActionRequest) (map[string]any, error) {
	ack := tx.c.Clocks.Acknowledge
	stopClock(ack, tx.now)
	onTime := ack.OnTime()
	if onTime {
		tx.tally(MAckOnTime, 1)
	}
	return map[string]any{"on_time": onTime}, nil
}

func doReturn(tx *change, req *ActionRequest) (map[string]any, error) {
	c := tx.c
	if c.Arbitration == "ruled" {
		return nil, Errorf(EConflict, "仲裁裁定的案件不能再回退 (an arbitration ruling cannot be returned)")
	}
	tx.tally(MReturns, 1)
	if c.Returns == nil {
		c.Returns = map[string]int{}
	}
	c.Returns[c.Unit]++
	c.ReturnCount++
	stopClock(c.Clocks.Acknowledge, tx.now)
	stopClock(c.Clocks.Handling, tx.now)
	data := map[string]any{"unit": c.Unit, "unit_returns": c.Returns[c.Unit], "returns": c.ReturnCount}
	c.Unit = ""
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
	if tx.c.Extension != nil {
		return nil, Errorf(EConflict, "已有待审批的延期申请 (an extension request is already pending)")
	}
	if req.Limit == nil || !req.Limit.Valid() {
		return nil, FieldError("limit", "请填写延期时长，如 {\"value\":2,\"unit\":\"work_day\"} (the extra time is required)")
	}
	tx.c.Extension = &ExtensionRequest{RequestedBy: tx.actor.Login, RequestedAt: tx.now, Limit: *req.Limit, Reason: req.Reason}
	return map[string]any{"limit": *req.Limit}, nil
}

func doExtendApprove(tx *change, req *ActionRequest) (map[string]any, error) {
	ext, h := tx.c.Extension, tx.c.Clocks.Handling
	if ext == nil || h == nil {
		return nil, Errorf(EConflict, "没有待审批的延期申请 (no extension request is pending)")
	}
	old := h.Deadline
	moveDeadline(tx.s.Calendar(), h, tx.s.Calendar().Deadline(old, ext.Limit))
	tx.c.Extension = nil
	tx.tally(MExtensions, 1)
	return map[string]any{"limit": ext.Limit, "old_deadline": old, "deadline": h.Deadline}, nil
}

func doExtendDeny(tx *change, req *ActionRequest) (map[string]any, error) {
	if tx.c.Extension == nil {
		return nil, Errorf(EConflict, "没有待审批的延期申请 (no extension request is pending)")
	}
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
	if req.Decision == "" || req.Approved == nil {
		return nil, FieldError("decision", "请填写审核的执法决定及是否同意 (decision and approved are required)")
	}
	tx.c.LegalReview = &LegalReview{Reviewer: tx.actor.Login, At: tx.now, Approved: *req.Approved,
		Decision: req.Decision, Opinion: req.Text}
	return map[string]any{"decision": req.Decision, "approved": *req.Approved, "opinion": req.Text}, nil
}

func doResolve(tx *change, req *ActionRequest) (map[string]any, error) {
	if req.Text == "" {
		return nil, FieldError("text", "请填写处置结果 (the result is required)")
	}
	if req.EnforcementAct && !tx.certificateValid() {
		return nil, Errorf(EForbidden, "执法证无效或已过期，不能作出执法行为 (an enforcement act needs a valid certificate)")
	}
	if req.Major && !tx.legallyReviewed() {
		return nil, Errorf(EConflict, "重大执法决定须先经法制审核同意 (a major decision needs legal review first)")
	}
	stopClock(tx.c.Clocks.Handling, tx.now)
	tx.c.Clocks.Checking = tx.s.startClock(tx.now, tx.s.checkLimit())
	return map[string]any{"result": req.Text, "evidence": req.Evidence,
		"enforcement_act": req.EnforcementAct, "major": req.Major, "decision": req.Decision}, nil
}

// certificateValid: the actor holds a certificate valid on today's date in the calendar's zone.
func (tx *change) certificateValid() bool {
	cert := tx.actor.Certificate
	if cert == nil || cert.Number == "" {
		return false
	}
	until, err := time.ParseInLocation("2006-01-02", cert.ValidUntil, tx.s.Calendar().Location())
	return err == nil && tx.now.Before(until.AddDate(0, 0, 1))
}

func (tx *change) legallyReviewed() bool {
	lr := tx.c.LegalReview
	return lr != nil && lr.Approved
}

func doCheck(tx *change, req *ActionRequest) (map[string]any, error) {
	if err := tx.requireAccount(req.Inspector, Inspector); err != nil {
		return nil, err
	}
	tx.c.Inspector = req.Inspector
	return map[string]any{"inspector": req.Inspector}, nil
}

func doPass(tx *change, req *ActionRequest) (map[string]any, error) {
	if err := tx.requireAssignedInspector(); err != nil {
		return nil, err
	}
	tx.closeCase()
	return nil, nil
}

// requireAssignedInspector: once the dispatcher assigns an inspector, only that one decides.
func (tx *change) requireAssignedInspector() error {
	if tx.c.State == Checking && tx.c.Inspector != "" && tx.c.Inspector != tx.actor.Login {
		return Errorf(EForbidden, "此案件已指派给监督员 %s 核查 (assigned to inspector %s)", tx.c.Inspector, tx.c.Inspector)
	}
	return nil
}

func doRework(tx *change, req *ActionRequest) (map[string]any, error) {
	if err := tx.requireAssignedInspector(); err != nil {
		return nil, err
	}
	c := tx.c
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

func doVoid(tx *change, req *ActionRequest) (map[string]any, error) {
	tx.finishCase(MVoided)
	return nil, nil
}

func doReopen(tx *change, req *ActionRequest) (map[string]any, error) {
	stopAll(tx.c, tx.now)
	tx.c.ClosedAt, tx.c.Unit, tx.c.Satisfaction = nil, "", ""
	return nil, nil
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
	tx.c.Satisfaction = code
	tx.tally(MFollowedUp, 1)
	if code != "dissatisfied" {
		tx.tally(MSatisfied, 1)
	}
	return map[string]any{"satisfaction": code, "text": req.Text}, nil
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
