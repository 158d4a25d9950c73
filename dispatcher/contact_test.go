package dispatcher_test

import (
	"testing"

	D "cityhub/dispatcher"
)

const fullPhone = "13812345678"

// Reporters' numbers go in full only to the centre's roles that call citizens back (operators and
// shift leaders); the others see them masked and reveal them through the audited action if their
// role may; admin never sees them.
func TestContactsInFullOnlyForTheRolesThatCallBack(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	full := map[string]bool{"op1": true, "lead1": true}
	mayReveal := map[string]bool{"disp1": true, "insp1": true, "boss": true, "gn-lead": true, "gn-1": true,
		"op1": true, "lead1": true}
	for _, login := range []string{"op1", "lead1", "disp1", "insp1", "legal1", "boss", "admin", "gn-lead", "gn-1", "gn-aux"} {
		view, err := f.svc.Case(f.ctx, f.actor(t, login), c.ID)
		if err != nil {
			t.Fatalf("%s: %v", login, err)
		}
		if got := view.Reporter.Phone == fullPhone; got != full[login] {
			t.Errorf("%s sees the phone as %q", login, view.Reporter.Phone)
		}
		page, _ := f.svc.Cases(f.ctx, f.actor(t, login), D.CaseFilter{})
		for _, listed := range page.Cases {
			if listed.Reporter.Phone == fullPhone && !full[login] {
				t.Errorf("%s lists the phone in full", login)
			}
		}
		contact, err := f.svc.RevealContact(f.ctx, f.actor(t, login), c.ID, "需联系举报人核实")
		switch {
		case mayReveal[login] && (err != nil || contact.Phone != fullPhone):
			t.Errorf("%s may reveal the contact: %+v %v", login, contact, err)
		case !mayReveal[login] && D.ErrorCode(err) != D.EForbidden:
			t.Errorf("%s revealed the contact: %+v %v, want forbidden", login, contact, err)
		}
	}
}

// A case another unit owns answers exactly as a case that does not exist, by id and by number, for
// every read and every action.
func TestInvisibleAndMissingCasesAnswerAlike(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501") // 古南's
	sj := f.actor(t, "sj-lead")
	missingID, missingNumber := c.ID+1000, c.Number[:len(c.Number)-6]+"999999"
	same := func(what string, invisible, missing error) {
		t.Helper()
		if invisible == nil || missing == nil || D.ErrorCode(invisible) != D.ENotFound ||
			D.ErrorCode(invisible) != D.ErrorCode(missing) || D.ErrorMessage(invisible) != D.ErrorMessage(missing) ||
			D.ErrorField(invisible) != D.ErrorField(missing) {
			t.Errorf("%s: invisible %v, missing %v: want the same not-found answer", what, invisible, missing)
		}
	}
	_, e1 := f.svc.Case(f.ctx, sj, c.ID)
	_, e2 := f.svc.Case(f.ctx, sj, missingID)
	same("case by id", e1, e2)
	_, e1 = f.svc.CaseByNumber(f.ctx, sj, c.Number)
	_, e2 = f.svc.CaseByNumber(f.ctx, sj, missingNumber)
	same("case by number", e1, e2)
	_, e3 := f.svc.Case(f.ctx, sj, missingID)
	same("by number and by id", e1, e3)
	_, e1 = f.svc.CaseEvents(f.ctx, sj, c.ID)
	_, e2 = f.svc.CaseEvents(f.ctx, sj, missingID)
	same("events", e1, e2)
	_, e1 = f.svc.RevealContact(f.ctx, sj, c.ID, "核实")
	_, e2 = f.svc.RevealContact(f.ctx, sj, missingID, "核实")
	same("contact", e1, e2)
	note := D.ActionRequest{Action: D.ActNote, Text: "备注"}
	_, e1 = f.svc.Act(f.ctx, sj, c.ID, note)
	_, e2 = f.svc.Act(f.ctx, sj, missingID, note)
	same("action", e1, e2)
}
