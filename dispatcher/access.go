package dispatcher

// InCentre reports whether the actor works in the command centre (and so may see every case).
func (a Actor) InCentre() bool { return a.Unit == CommandCentre && !a.Role.IsUnitMember() }

// CanSeeCase: the centre sees every case; a unit's members see the cases their unit owns or owned.
func CanSeeCase(a Actor, c *Case) bool {
	if a.InCentre() || a.Role == System {
		return true
	}
	return c.OwnedOrOwnedBy(a.Unit)
}

// CanSeeEvent decides whether an event may be pushed to the actor's console.
func CanSeeEvent(a Actor, e *Event) bool {
	if a.InCentre() || a.Role == System {
		return true
	}
	for _, u := range e.Visible {
		if u == a.Unit {
			return true
		}
	}
	return false
}

// CanSeeContact: reporters' contacts are shown in full only to the command centre's roles that call
// citizens back, operators and shift leaders (they make the follow-up calls). Everyone else sees
// them masked; the roles of the reveal_contact row may reveal one through that audited action
// (dispatchers, inspectors, leaders, team leads, officers; not legal reviewers nor auxiliaries).
// Admin never sees them.
func CanSeeContact(a Actor) bool {
	return a.InCentre() && (a.Role == Operator || a.Role == ShiftLeader)
}

// checkScope applies the row's unit scope to the actor.
func checkScope(t *Transition, c *Case, a Actor) error {
	if a.Role == System {
		return nil
	}
	switch t.Scope {
	case ScopeCentre:
		if !a.InCentre() {
			return Errorf(EForbidden, "只有指挥中心人员可以执行“%s” (only the command centre may %s)", ActionLabel(t.Action), t.Action)
		}
	case ScopeOwnerUnit:
		if c.OwnerKind != OwnedByUnit || a.Unit != c.Owner {
			return Errorf(EForbidden, "案件不属于您的单位 (the case is not owned by your unit)")
		}
	case ScopeVisible:
		if !CanSeeCase(a, c) {
			return Errorf(EForbidden, "无权查看此案件 (you may not see this case)")
		}
	}
	return nil
}

// authorize checks role, scope and state for an action; it changes nothing.
func authorize(t *Transition, c *Case, a Actor) error {
	if !t.AllowsRole(a.Role) {
		return Errorf(EForbidden, "角色“%s”不能执行“%s” (role %s may not %s)", RoleLabel(a.Role), ActionLabel(t.Action), a.Role, t.Action)
	}
	if err := checkScope(t, c, a); err != nil {
		return err
	}
	if !t.AllowsState(c.State) {
		return Errorf(EConflict, "案件处于“%s”状态，不能执行“%s” (cannot %s a case that is %s)", StateLabel(c.State), ActionLabel(t.Action), t.Action, c.State)
	}
	return nil
}
