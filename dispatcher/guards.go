package dispatcher

// A guard checks the rules of an action that depend on the case as it stands and on the reference
// data, beyond its lifecycle row's role, scope and state: an arbitration pending, a ruling, an
// extension pending or used up, the inspector assigned. It reads nothing of the request (what a
// request must carry is checked by the action's effect). Service.Act and AvailableActions both
// decide through allowed, so an action is offered exactly when a well-formed request for it is
// accepted.
type guard func(s *Service, c *Case, a Actor) error

var guards = map[string]guard{
	ActVerify:         needUnverifiedReport,
	ActAnswer:         needInquiry,
	ActDispatch:       needNoArbitration,
	ActArbitrate:      needArbitration,
	ActReturn:         needNoRuling,
	ActExtendRequest:  needExtensionRoom,
	ActExtendApprove:  needApprovableExtension,
	ActExtendDeny:     needPendingExtension,
	ActLegalReview:    needEnforcementCategory,
	ActPass:           needAssignedInspector,
	ActRework:         needAssignedInspector,
	ActRevealContact:  needContact,
	ActSetPublication: needChangeablePublication,
	ActUphold:         needPendingReview,
}

// allowed checks an action's row (role, scope, state), then its guard. It changes nothing.
func (s *Service) allowed(t *Transition, c *Case, a Actor) error {
	if err := authorize(t, c, a); err != nil {
		return err
	}
	if g := guards[t.Action]; g != nil {
		return g(s, c, a)
	}
	return nil
}

// AvailableActions lists the actions the actor may take on the case now, for consoles to offer:
// those that a well-formed request would get accepted, decided by the same checks as Act.
func (s *Service) AvailableActions(c *Case, a Actor) []string {
	out := []string{}
	if a.Role == System {
		return out
	}
	for i := range Lifecycle {
		if t := &Lifecycle[i]; s.allowed(t, c, a) == nil {
			out = append(out, t.Action)
		}
	}
	return out
}

// needUnverifiedReport: a patrol report (监督员上报) was verified on site by the inspector who
// filed it, as in every 数字城管 centre; sending an inspector to verify it again would only delay
// its registration.
func needUnverifiedReport(_ *Service, c *Case, _ Actor) error {
	if c.Channel == ChannelInspector {
		return Errorf(EConflict, "监督员上报已由上报的监督员现场核实，无需再核实 (a patrol report was verified on site by the inspector who filed it)")
	}
	return nil
}

func needInquiry(_ *Service, c *Case, _ Actor) error {
	if c.Nature != "inquiry" {
		return Errorf(EConflict, "只有咨询类诉求可以直接办结 (only inquiries can be answered at intake)")
	}
	return nil
}

func needNoArbitration(_ *Service, c *Case, _ Actor) error {
	if c.Arbitration == "pending" {
		return Errorf(EConflict, "案件已两次回退，须由值班长仲裁派遣 (returned twice: awaiting arbitration)")
	}
	return nil
}

func needArbitration(_ *Service, c *Case, _ Actor) error {
	if c.Arbitration != "pending" {
		return Errorf(EConflict, "只有两次回退的案件需要仲裁 (only a case returned twice goes to arbitration)")
	}
	return nil
}

func needNoRuling(_ *Service, c *Case, _ Actor) error {
	if c.Arbitration == "ruled" {
		return Errorf(EConflict, "仲裁裁定的案件不能再回退 (an arbitration ruling cannot be returned)")
	}
	return nil
}

// needExtensionRoom: no request pending, and the bound leaves at least one unit to ask for.
func needExtensionRoom(s *Service, c *Case, _ Actor) error {
	if c.Extension != nil {
		return Errorf(EConflict, "已有待审批的延期申请 (an extension request is already pending)")
	}
	h := c.Clocks.Handling
	if h == nil || h.StoppedAt != nil {
		return Errorf(EConflict, "处置时限未在计时，不能延期 (the handling clock is not running)")
	}
	if b := s.extensionBound(c); h.Extended >= b.Total {
		return Errorf(EConflict, "延期已达上限 %d %s (extensions have reached their total of %d %s)", b.Total, h.Limit.Unit, b.Total, h.Limit.Unit)
	}
	return nil
}

func needPendingExtension(_ *Service, c *Case, _ Actor) error {
	if c.Extension == nil || c.Clocks.Handling == nil {
		return Errorf(EConflict, "没有待审批的延期申请 (no extension request is pending)")
	}
	return nil
}

// needApprovableExtension: a request is pending and still fits the bound (the catalogue may have
// changed since it was made; such a request can only be denied).
func needApprovableExtension(s *Service, c *Case, a Actor) error {
	if err := needPendingExtension(s, c, a); err != nil {
		return err
	}
	if err := s.checkExtension(c, c.Extension.Limit); err != nil {
		return Errorf(EConflict, "待审批的延期超出现行上限，只能驳回：%s (the pending request exceeds the bound in force: deny it)", ErrorMessage(err))
	}
	return nil
}

// needEnforcementCategory: only a decision on an enforcement matter is reviewed.
func needEnforcementCategory(s *Service, c *Case, _ Actor) error {
	if cat, ok := s.Category(c.Category); !ok || !cat.IsEnforcement() {
		return Errorf(EConflict, "此类别不属于执法事项，没有可审核的执法决定 (the category is not an enforcement matter: there is no decision to review)")
	}
	return nil
}

// needAssignedInspector: once the dispatcher assigns an inspector, only that one decides.
func needAssignedInspector(_ *Service, c *Case, a Actor) error {
	if c.State == Checking && c.Inspector != "" && c.Inspector != a.Login {
		return Errorf(EForbidden, "此案件已指派给监督员 %s 核查 (assigned to inspector %s)", c.Inspector, c.Inspector)
	}
	return nil
}

func needContact(_ *Service, c *Case, _ Actor) error {
	if c.Reporter.IsZero() {
		return Errorf(EConflict, "报告人未留联系方式 (the reporter left no contact)")
	}
	return nil
}

// needChangeablePublication: a private 举报, or a private report whose reporter asked not to be
// published, stays private for good: there is no publication to change to.
func needChangeablePublication(_ *Service, c *Case, _ Actor) error {
	if c.IsPublic() {
		return nil
	}
	if c.Nature == NatureReport {
		return Errorf(EConflict, "举报件一律不公开 (a whistle-blowing report is never published)")
	}
	if c.ReporterPrivate {
		return Errorf(EConflict, "报告人要求不公开 (the reporter asked that the report not be published)")
	}
	return nil
}

// needPendingReview: only a case whose reporter answered 不满意 waits for the shift leader's review.
func needPendingReview(_ *Service, c *Case, _ Actor) error {
	if c.Review != ReviewPending {
		return Errorf(EConflict, "只有回访不满意、待复核的案件可以维持办结 (only a case under review after a 不满意 answer can be upheld)")
	}
	return nil
}
