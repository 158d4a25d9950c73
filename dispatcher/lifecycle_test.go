package dispatcher_test

import (
	"fmt"
	"testing"

	D "cityhub/dispatcher"
)

// Who tries each action: every role of the centre, the owning unit's members, and the members of
// another unit (who must never act on a case that is not theirs).
var walkers = []struct {
	login string
	role  D.Role
	home  bool // a member of the routed unit (古南大队)
}{
	{"op1", D.Operator, false}, {"lead1", D.ShiftLeader, false}, {"disp1", D.DispatcherRole, false},
	{"insp1", D.Inspector, false}, {"legal1", D.LegalReviewer, false}, {"boss", D.Leader, false},
	{"admin", D.Admin, false}, {"gn-lead", D.TeamLead, true}, {"gn-1", D.Officer, true},
	{"gn-aux", D.Auxiliary, true}, {"sj-lead", D.TeamLead, false}, {"sj-1", D.Officer, false},
	{"sj-aux", D.Auxiliary, false},
}

func isUnitLogin(login string) bool { return len(login) > 3 && login[2] == '-' }

// TestLifecycleTable walks every row of the transition table, from every state, for every role:
// the allowed combinations succeed and reach the row's target state; every other one is refused
// with a clear error and changes nothing.
func TestLifecycleTable(t *testing.T) {
	f := newFixture(t, true)
	earlier := f.submit(t, "complaint", "0501")
	for _, row := range D.Lifecycle {
		for _, state := range D.AllStates {
			t.Run(fmt.Sprintf("%s/from_%s", row.Action, state), func(t *testing.T) {
				walkRow(t, f, row, state, earlier)
			})
		}
	}
}

func walkRow(t *testing.T, f *fixture, row D.Transition, state D.State, earlier *D.Case) {
	probe := buildCase(t, f, state, row.Action)
	for _, w := range walkers {
		if expectAllowed(row, probe, w.login, w.role) {
			continue // tried below, each on a fresh case
		}
		assertRefused(t, f, probe, w.login, requestFor(row.Action, earlier))
	}
	for _, w := range walkers {
		if !expectAllowed(row, probe, w.login, w.role) {
			continue
		}
		c := buildCase(t, f, state, row.Action)
		got := f.act(t, w.login, c, requestFor(row.Action, earlier))
		if want := row.Target(state); got.State != want {
			t.Errorf("%s by %s from %s: state %s, want %s", row.Action, w.login, state, got.State, want)
		}
		if got.Version != c.Version+1 {
			t.Errorf("%s by %s: version %d -> %d, want one event", row.Action, w.login, c.Version, got.Version)
		}
	}
}

// expectAllowed is the table's own answer, computed independently of Service.Act.
func expectAllowed(row D.Transition, c *D.Case, login string, role D.Role) bool {
	if !row.AllowsRole(role) || !row.AllowsState(c.State) || row.Roles[0] == D.System && len(row.Roles) == 1 {
		return false
	}
	unit := ""
	if isUnitLogin(login) {
		unit = map[byte]string{'g': "QJ-GN-DD", 's': "QJ-SJ-DD"}[login[0]]
	}
	switch row.Scope {
	case D.ScopeOwnerUnit:
		return unit != "" && c.OwnerKind == D.OwnedByUnit && c.Owner == unit
	case D.ScopeVisible:
		return unit == "" || c.OwnedOrOwnedBy(unit)
	}
	return unit == "" // centre actions are for the centre's people
}

func assertRefused(t *testing.T, f *fixture, c *D.Case, login string, req D.ActionRequest) {
	t.Helper()
	before, _ := f.store.CaseEvents(f.ctx, c.ID)
	_, err := f.svc.Act(f.ctx, f.actor(t, login), c.ID, req)
	if err == nil {
		t.Fatalf("%s by %s from %s: allowed, want refused", req.Action, login, c.State)
	}
	switch code := D.ErrorCode(err); code {
	case D.EForbidden, D.EConflict, D.ENotFound:
	default:
		t.Errorf("%s by %s from %s: error code %q (%v), want forbidden, conflict or not_found", req.Action, login, c.State, code, err)
	}
	if D.ErrorMessage(err) == "" || D.ErrorMessage(err) == "internal error" {
		t.Errorf("%s by %s: no clear message: %v", req.Action, login, err)
	}
	after, _ := f.store.CaseEvents(f.ctx, c.ID)
	now, _ := f.store.Case(f.ctx, c.ID)
	if len(after) != len(before) || now.Version != c.Version || now.State != c.State {
		t.Errorf("%s by %s: a refused action changed the case", req.Action, login)
	}
}

// requestFor is a well-formed request for an action, so that only role, scope and state decide.
func requestFor(action string, earlier *D.Case) D.ActionRequest {
	yes := true
	req := D.ActionRequest{Action: action, Reason: "测试理由", Text: "测试内容"}
	switch action {
	case D.ActMerge:
		req.Into = earlier.Number
	case D.ActTransfer:
		req.Unit = "EXT-PSB"
	case D.ActReassign:
		req.Unit = "QJ-WL-DD"
	case D.ActArbitrate:
		req.Unit = "QJ-GN-DD"
	case D.ActExtendRequest:
		req.Limit = &D.Limit{Value: 1, Unit: D.WorkHour} // 0501's handling clock counts work hours
	case D.ActLegalReview:
		req.Decision, req.Approved = &D.Decision{Kind: D.DecisionDemolition, Text: "强制拆除违法建筑"}, &yes
	case D.ActCheck, D.ActVerify:
		req.Inspector = "insp1"
	case D.ActFollowUp:
		req.Satisfaction = "满意"
	case D.ActSetPublication:
		req.Publication = D.Public // the walk's cases are hotline complaints: private
	}
	return req
}

// buildCase drives a fresh case into a state through real actions. For rows whose success needs a
// precondition (an extension pending, an arbitration), the path sets it up.
func buildCase(t *testing.T, f *fixture, state D.State, forAction string) *D.Case {
	t.Helper()
	nature := "complaint"
	if state == D.Answered || forAction == D.ActAnswer {
		nature = "inquiry"
	}
	c := f.submit(t, nature, "0501")
	for _, step := range pathTo(state, forAction) {
		if step.req.Action == D.ActMerge {
			first, err := f.store.Case(f.ctx, 1)
			if err != nil {
				t.Fatal(err)
			}
			step.req.Into = first.Number
		}
		c = f.act(t, step.login, c, step.req)
	}
	if c.State != state {
		t.Fatalf("built a %s case, want %s", c.State, state)
	}
	return c
}

type step struct {
	login string
	req   D.ActionRequest
}

func pathTo(state D.State, forAction string) []step {
	reg := step{"lead1", D.ActionRequest{Action: D.ActRegister}}
	disp := step{"disp1", D.ActionRequest{Action: D.ActDispatch}}
	ack := step{"gn-1", D.ActionRequest{Action: D.ActAcknowledge}}
	resolve := step{"gn-1", D.ActionRequest{Action: D.ActResolve, Text: "已劝离"}}
	check := step{"disp1", D.ActionRequest{Action: D.ActCheck, Inspector: "insp1"}}
	ret := step{"gn-lead", D.ActionRequest{Action: D.ActReturn, Reason: "不属于本队"}}
	paths := map[D.State][]step{
		D.Received:    nil,
		D.Verifying:   {{"op1", D.ActionRequest{Action: D.ActVerify}}},
		D.Registered:  {reg},
		D.Dispatched:  {reg, disp},
		D.InProgress:  {reg, disp, ack},
		D.Suspended:   {reg, disp, ack, {"lead1", D.ActionRequest{Action: D.ActSuspend, Reason: "等待产权认定"}}},
		D.Resolved:    {reg, disp, ack, resolve},
		D.Checking:    {reg, disp, ack, resolve, check},
		D.Closed:      {reg, disp, ack, resolve, check, {"insp1", D.ActionRequest{Action: D.ActPass}}},
		D.Answered:    {{"op1", D.ActionRequest{Action: D.ActAnswer, Text: "已答复"}}},
		D.Rejected:    {{"lead1", D.ActionRequest{Action: D.ActReject, Reason: "重复举报"}}},
		D.Voided:      {{"lead1", D.ActionRequest{Action: D.ActVoid, Reason: "误录"}}},
		D.Merged:      {{"op1", D.ActionRequest{Action: D.ActMerge, Into: "", Reason: "重复举报"}}},
		D.Transferred: {reg, {"disp1", D.ActionRequest{Action: D.ActTransfer, Unit: "EXT-PSB"}}},
	}
	path := paths[state]
	switch {
	case state == D.Registered && forAction == D.ActArbitrate:
		path = []step{reg, disp, ret, disp, ret}
	case state == D.InProgress && (forAction == D.ActExtendApprove || forAction == D.ActExtendDeny):
		path = append(path, step{"gn-lead", D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调产权单位", Limit: &D.Limit{Value: 2, Unit: D.WorkHour}}})
	case (state == D.Closed || state == D.Answered) && forAction == D.ActUphold:
		path = append(path, step{"op1", D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"}})
	}
	return path
}
