package dispatcher_test

import (
	"encoding/json"
	"testing"

	D "cityhub/dispatcher"
)

// inProgress is a report of category in 古南, acknowledged by gn-1.
func (f *fixture) inProgress(t *testing.T, category string) *D.Case {
	t.Helper()
	return f.act(t, "gn-1", f.submit(t, "complaint", category), D.ActionRequest{Action: D.ActAcknowledge})
}

func (f *fixture) review(t *testing.T, c *D.Case, d D.Decision, approved bool) *D.Case {
	t.Helper()
	return f.act(t, "legal1", c, D.ActionRequest{Action: D.ActLegalReview, Decision: &d, Approved: &approved, Text: "事实清楚，程序合法"})
}

func resolveWith(d D.Decision) D.ActionRequest {
	return D.ActionRequest{Action: D.ActResolve, Text: "已作出决定", Decision: &d}
}

func (f *fixture) tryAct(t *testing.T, login string, c *D.Case, req D.ActionRequest) error {
	t.Helper()
	_, err := f.svc.Act(f.ctx, f.actor(t, login), c.ID, req)
	return err
}

// An approval of 责令限期整改 used to let a unit record 强制拆除: a legal review approves one
// decision, and a major resolution must carry that decision unchanged.
func TestLegalReviewApprovesOneDecisionUnchanged(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0101")
	order := D.Decision{Kind: D.DecisionOrder, Text: "责令于 2026-12-05 前自行拆除违法搭建的彩钢棚"}
	demolition := D.Decision{Kind: D.DecisionDemolition, Text: "强制拆除违法搭建的彩钢棚"}
	c = f.review(t, c, order, true)
	if err := f.tryAct(t, "gn-1", c, resolveWith(demolition)); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("demolition after an approval of an order: %v, want conflict", err)
	}
	c = f.review(t, c, demolition, true)
	changed := demolition
	changed.Text = "强制拆除违法搭建的彩钢棚及围墙"
	if err := f.tryAct(t, "gn-1", c, resolveWith(changed)); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("a demolition other than the one approved: %v, want conflict", err)
	}
	got := f.act(t, "gn-1", c, resolveWith(demolition))
	evs, _ := f.store.CaseEvents(f.ctx, got.ID)
	var data struct {
		Decision       D.Decision `json:"decision"`
		EnforcementAct bool       `json:"enforcement_act"`
		Major          bool       `json:"major"`
	}
	if err := json.Unmarshal(evs[len(evs)-1].Data, &data); err != nil || data.Decision != demolition || !data.EnforcementAct || !data.Major {
		t.Errorf("resolution recorded %+v (%v), want the approved demolition, an enforcement act, major", data, err)
	}
}

func TestMajorFineNeedsTheApprovedAmount(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0101")
	fine := D.Decision{Kind: "罚款", Amount: 20000, Text: "对当事人处以罚款"}
	small := D.Decision{Kind: D.DecisionFine, Amount: 9999, Text: "对当事人处以罚款"}
	if err := f.tryAct(t, "gn-1", c, resolveWith(fine)); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("a fine of 20000 yuan without review: %v, want conflict", err)
	}
	c = f.review(t, c, fine, true)
	more := fine
	more.Amount = 30000
	if err := f.tryAct(t, "gn-1", c, resolveWith(more)); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("a larger fine than approved: %v, want conflict", err)
	}
	refused := f.review(t, c, fine, false)
	if err := f.tryAct(t, "gn-1", refused, resolveWith(fine)); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("the fine the reviewer refused: %v, want conflict", err)
	}
	// Below the catalogue's threshold a fine is not major: no review needed.
	if err := f.tryAct(t, "gn-1", refused, resolveWith(small)); err != nil {
		t.Fatalf("a fine of 9999 yuan: %v", err)
	}
}

// Whether a resolution is an enforcement act follows from the recorded decision and the category,
// never from a flag: an officer whose certificate expired records one by leaving a flag out no more.
func TestEnforcementActFollowsTheRecordedDecision(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0501")
	for _, d := range []D.Decision{
		{Kind: D.DecisionFine, Amount: 200, Text: "罚款 200 元"},
		{Kind: D.DecisionSeizure, Text: "暂扣经营工具"},
		{Kind: "责令改正", Text: "责令立即改正"},
	} {
		if err := f.tryAct(t, "gn-2", c, resolveWith(d)); D.ErrorCode(err) != D.EForbidden {
			t.Errorf("%s by an officer whose certificate expired: %v, want forbidden", d.Kind, err)
		}
	}
	if err := f.tryAct(t, "gn-aux", c, resolveWith(D.Decision{Kind: D.DecisionWarning, Text: "警告"})); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a warning by an auxiliary: %v, want forbidden", err)
	}
	bad := map[string]D.Decision{
		"unknown kind":       {Kind: "拘留", Text: "行政拘留"},
		"fine without sum":   {Kind: D.DecisionFine, Text: "罚款"},
		"amount on an order": {Kind: D.DecisionOrder, Amount: 100, Text: "责令改正"},
		"no text":            {Kind: D.DecisionWarning},
	}
	for name, d := range bad {
		if err := f.tryAct(t, "gn-1", c, resolveWith(d)); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	// Advice is not an enforcement act: the expired certificate does not matter.
	got := f.act(t, "gn-2", c, resolveWith(D.Decision{Kind: "劝导", Text: "劝导摊主离开"}))
	evs, _ := f.store.CaseEvents(f.ctx, got.ID)
	var data struct {
		Decision       D.Decision `json:"decision"`
		EnforcementAct bool       `json:"enforcement_act"`
	}
	if err := json.Unmarshal(evs[len(evs)-1].Data, &data); err != nil || data.Decision.Kind != D.DecisionAdvice || data.EnforcementAct {
		t.Errorf("advice recorded as %+v (%v)", data, err)
	}
}

// A category that is not an enforcement matter (路面塌陷) takes no enforcement decision, and
// there is nothing in it for a legal reviewer to review.
func TestNoEnforcementActOutsideEnforcementCategories(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0401")
	if err := f.tryAct(t, "gn-1", c, resolveWith(D.Decision{Kind: D.DecisionOrder, Text: "责令修复"})); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("an order on a road collapse: %v, want invalid", err)
	}
	if got := f.svc.AvailableActions(c, f.actor(t, "legal1")); contains(got, D.ActLegalReview) {
		t.Errorf("legal review offered on a road collapse: %v", got)
	}
	yes := true
	if err := f.tryAct(t, "legal1", c, D.ActionRequest{Action: D.ActLegalReview, Approved: &yes,
		Decision: &D.Decision{Kind: D.DecisionDemolition, Text: "拆除"}}); D.ErrorCode(err) != D.EConflict {
		t.Errorf("legal review on a road collapse: %v, want conflict", err)
	}
	f.act(t, "gn-1", c, resolveWith(D.Decision{Kind: D.DecisionAdvice, Text: "设置围挡并通知市政"}))
}

// The major-fine threshold is the catalogue's.
func TestMajorFineThresholdIsConfigurable(t *testing.T) {
	f := newFixture(t, false)
	ref, router := qijiang(t)
	cp := *ref
	cp.Catalogue.MajorFine = 500
	if err := f.svc.Reconfigure(&cp, router); err != nil {
		t.Fatal(err)
	}
	c := f.inProgress(t, "0501")
	if err := f.tryAct(t, "gn-1", c, resolveWith(D.Decision{Kind: D.DecisionFine, Amount: 500, Text: "罚款 500 元"})); D.ErrorCode(err) != D.EConflict {
		t.Errorf("a fine at the configured threshold without review: %v, want conflict", err)
	}
	f.act(t, "gn-1", c, resolveWith(D.Decision{Kind: D.DecisionFine, Amount: 499, Text: "罚款 499 元"}))
}

// Cases stored before decisions were structured keep reading: the free text becomes a decision of
// no kind, which no resolution can match.
func TestLegacyReviewDecisionStillReads(t *testing.T) {
	var lr D.LegalReview
	if err := json.Unmarshal([]byte(`{"reviewer":"legal1","approved":true,"decision":"罚款 2000 元"}`), &lr); err != nil {
		t.Fatal(err)
	}
	if lr.Decision != (D.Decision{Text: "罚款 2000 元"}) {
		t.Errorf("legacy decision read as %+v", lr.Decision)
	}
}
