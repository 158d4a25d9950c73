package dispatcher_test

import (
	"slices"
	"strings"
	"testing"

	D "cityhub/dispatcher"
)

// domainTable is DOMAIN.md's lifecycle table transcribed by hand ("action | from | to | who"),
// plus the rows the hub adds (arbitrate, legal_review, set_publication, the scheduler's marks, uphold after a 不满意
// answer; system may note and follow up: a channel records what the citizen adds or answers). "*" is any state,
// "open" every open state, "=" the same state. The test below holds the code's table to it, so a
// change to either shows up.
const domainTable = `
verify | received | verifying | operator shift_leader
register | received verifying | registered | shift_leader system
reject | received verifying | rejected | shift_leader
answer | received | answered | operator
merge | received registered | merged | operator shift_leader
dispatch | registered | dispatched | dispatcher system
arbitrate | registered | dispatched | shift_leader
transfer | registered | transferred | dispatcher system
record_reply | transferred | closed | dispatcher
acknowledge | dispatched | in_progress | team_lead officer auxiliary
return | dispatched in_progress | registered | team_lead
reassign | dispatched in_progress | dispatched | dispatcher shift_leader
extend_request | in_progress | = | team_lead
extend_approve | in_progress | = | shift_leader
extend_deny | in_progress | = | shift_leader
suspend | in_progress | suspended | shift_leader
resume | suspended | in_progress | shift_leader
legal_review | in_progress suspended | = | legal_reviewer
resolve | in_progress | resolved | officer team_lead
check | resolved | checking | dispatcher
pass | resolved checking | closed | inspector
rework | resolved checking | dispatched | inspector
void | open | voided | shift_leader
reopen | closed answered | registered | shift_leader
supervise | * | = | leader shift_leader system
urge | * | = | leader shift_leader dispatcher operator
note | * | = | operator shift_leader dispatcher inspector legal_reviewer leader team_lead officer auxiliary system
follow_up | closed answered | = | operator shift_leader system
uphold | closed answered | = | shift_leader
set_publication | * | = | shift_leader
reveal_contact | * | = | operator shift_leader dispatcher inspector leader team_lead officer
deadline_warning | open | = | system
overdue | open | = | system
`

func TestLifecycleMatchesDomain(t *testing.T) {
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(domainTable), "\n") {
		cols := strings.Split(line, "|")
		action := strings.TrimSpace(cols[0])
		seen[action] = true
		row, ok := D.TransitionFor(action)
		if !ok {
			t.Errorf("%s: missing from the code's table", action)
			continue
		}
		checkStates(t, action, strings.Fields(cols[1]), row.From)
		if to := strings.TrimSpace(cols[2]); (to == "=" && row.To != "") || (to != "=" && D.State(to) != row.To) {
			t.Errorf("%s: to %q, domain says %q", action, row.To, to)
		}
		var roles []string
		for _, r := range row.Roles {
			roles = append(roles, string(r))
		}
		want := strings.Fields(cols[3])
		slices.Sort(roles)
		slices.Sort(want)
		if !slices.Equal(roles, want) {
			t.Errorf("%s: roles %v, domain says %v", action, roles, want)
		}
	}
	for _, row := range D.Lifecycle {
		if !seen[row.Action] {
			t.Errorf("%s: in the code's table but not the domain's", row.Action)
		}
	}
}

func checkStates(t *testing.T, action string, want []string, got []D.State) {
	t.Helper()
	switch {
	case len(want) == 1 && want[0] == "*":
		if got != nil {
			t.Errorf("%s: from %v, domain says any state", action, got)
		}
		return
	case len(want) == 1 && want[0] == "open":
		want = nil
		for _, s := range D.OpenStates {
			want = append(want, string(s))
		}
	}
	var have []string
	for _, s := range got {
		have = append(have, string(s))
	}
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		t.Errorf("%s: from %v, domain says %v", action, have, want)
	}
}
