package dispatcher

// Chinese names for states, actions and roles, as the consoles and error messages show them.

var stateLabels = map[State]string{
	Received: "已受理", Verifying: "核实中", Registered: "已立案", Dispatched: "已派遣",
	InProgress: "处置中", Suspended: "已挂起", Resolved: "已处置", Checking: "核查中",
	Closed: "已结案", Answered: "直接办结", Rejected: "不予立案", Voided: "已作废",
	Merged: "已合并", Transferred: "已移交",
}

var actionLabels = map[string]string{
	ActReceive: "受理", ActJoin: "同一问题又一人反映", ActVerify: "核实", ActRegister: "立案", ActReject: "不予立案",
	ActAnswer: "直接办结", ActMerge: "合并", ActDispatch: "派遣", ActArbitrate: "仲裁派遣",
	ActTransfer: "移交", ActRecordReply: "登记回复", ActAcknowledge: "签收", ActReturn: "回退",
	ActReassign: "改派", ActExtendRequest: "申请延期", ActExtendApprove: "批准延期",
	ActExtendDeny: "驳回延期", ActSuspend: "挂起", ActResume: "恢复", ActLegalReview: "法制审核",
	ActResolve: "处置反馈", ActCheck: "核查", ActPass: "核查通过", ActRework: "返工",
	ActVoid: "作废", ActReopen: "重办", ActSupervise: "督办", ActUrge: "催办", ActNote: "备注",
	ActFollowUp: "回访", ActRevealContact: "查看联系方式", ActSetPublication: "设置公开状态", ActDeadlineWarn: "临期预警",
	ActDeadlineMissed: "超期", ActUphold: "维持办结",
}

var roleLabels = map[Role]string{
	Operator: "受理员", ShiftLeader: "值班长", DispatcherRole: "派遣员", Inspector: "监督员",
	LegalReviewer: "法制审核员", TeamLead: "队长", Officer: "执法队员", Auxiliary: "协管员",
	Leader: "领导", Admin: "管理员", System: "系统",
}

// StateLabel is the Chinese name of a state.
func StateLabel(s State) string { return labelOr(stateLabels[s], string(s)) }

// ActionLabel is the Chinese name of an action.
func ActionLabel(a string) string { return labelOr(actionLabels[a], a) }

// RoleLabel is the Chinese name of a role.
func RoleLabel(r Role) string { return labelOr(roleLabels[r], string(r)) }

// Labels returns every label table, for consoles.
func Labels() map[string]any {
	return map[string]any{"states": stateLabels, "actions": actionLabels, "roles": roleLabels, "clocks": clockLabels,
		"decisions": decisionLabels, "channels": channelLabels, "place_kinds": PlaceKinds,
		"measures": measureLabels}
}

func labelOr(label, fallback string) string {
	if label == "" {
		return fallback
	}
	return label
}

var clockLabels = map[string]string{
	ClockRegistration: "立案时限", ClockAcknowledge: "签收时限", ClockHandling: "处置时限",
	ClockChecking: "核查时限",
}

// ClockLabel is the Chinese name of a clock.
func ClockLabel(name string) string { return labelOr(clockLabels[name], name) }

var channelLabels = map[string]string{
	ChannelHotline: "热线电话", ChannelWeChat: "微信公众号", ChannelWeb: "网站", ChannelOpen311: "Open311 接口",
	ChannelInspector: "监督员上报",
}

// ChannelLabel is the Chinese name of a channel.
func ChannelLabel(c string) string { return labelOr(channelLabels[c], c) }
