package dispatcher_test

import (
	"testing"

	D "cityhub/dispatcher"
)

// districtCounts sums the district's counters over the given days (inclusive).
func districtCounts(t *testing.T, f *fixture, from, to string) map[string]int64 {
	t.Helper()
	rep, err := f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) == 0 {
		return map[string]int64{}
	}
	return rep.Rows[0].Counts
}

func unitCounts(t *testing.T, f *fixture, unit, from, to string) map[string]int64 {
	t.Helper()
	rep, err := f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{Dim: D.DimUnit, From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rep.Rows {
		if r.Key == unit {
			return r.Counts
		}
	}
	return map[string]int64{}
}

// closeCase takes a dispatched case through acknowledgement, resolution and check to closed.
func (f *fixture) closeCase(t *testing.T, c *D.Case, member string) *D.Case {
	t.Helper()
	c = f.act(t, member, c, D.ActionRequest{Action: D.ActAcknowledge})
	c = f.act(t, member, c, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	return f.act(t, "insp1", c, D.ActionRequest{Action: D.ActPass})
}

// Five follow-ups on an open case used to give its unit 100% satisfaction: a follow-up is only
// for a closed or answered case, and it is neither offered nor counted on an open one.
func TestFollowUpOnlyOnClosedOrAnsweredCases(t *testing.T) {
	f := newFixture(t, false)
	open := f.submit(t, "complaint", "0501")
	for i := 0; i < 5; i++ {
		_, err := f.svc.Act(f.ctx, f.actor(t, "op1"), open.ID, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "满意"})
		if D.ErrorCode(err) != D.EConflict {
			t.Fatalf("follow-up %d on a dispatched case: %v, want conflict", i+1, err)
		}
	}
	if got := f.svc.AvailableActions(open, f.actor(t, "op1")); contains(got, D.ActFollowUp) {
		t.Errorf("follow-up offered on an open case: %v", got)
	}
	if n := unitCounts(t, f, "QJ-GN-DD", "2026-11-25", "2026-11-25"); n[D.MFollowedUp] != 0 || n[D.MSatisfied] != 0 {
		t.Fatalf("follow-ups of an open case counted: %v", n)
	}
	inquiry := f.submit(t, "inquiry", "0501")
	inquiry = f.act(t, "op1", inquiry, D.ActionRequest{Action: D.ActAnswer, Text: "办理时间为工作日"})
	f.act(t, "op1", inquiry, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "满意"})
	closed := f.closeCase(t, open, "gn-1")
	f.act(t, "op2", closed, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"})
	n := districtCounts(t, f, "2026-11-25", "2026-11-25")
	if n[D.MFollowedUp] != 2 || n[D.MSatisfied] != 1 {
		t.Errorf("after one follow-up of an answered and one of a closed case: %v, want 2 followed up, 1 satisfied", n)
	}
}

// A case counts one satisfaction: a later follow-up takes the earlier answer out of the day (and
// unit) it was counted under and counts its own; a reopening keeps the answer that led to it.
func TestLaterFollowUpReplacesTheEarlierAnswer(t *testing.T) {
	f := newFixture(t, false)
	c := f.closeCase(t, f.submit(t, "complaint", "0501"), "gn-1")
	c = f.act(t, "op1", c, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "满意"})
	c = f.act(t, "op1", c, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意", Text: "摊贩又回来了"})
	if n := districtCounts(t, f, "2026-11-25", "2026-11-25"); n[D.MFollowedUp] != 1 || n[D.MSatisfied] != 0 {
		t.Fatalf("two follow-ups the same day: %v, want 1 followed up, 0 satisfied", n)
	}
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActReopen, Reason: "回访不满意"})
	if c.Satisfaction != "dissatisfied" {
		t.Errorf("the reopening erased the answer that led to it: satisfaction %q", c.Satisfaction)
	}
	if n := districtCounts(t, f, "2026-11-25", "2026-11-25"); n[D.MFollowedUp] != 1 {
		t.Errorf("the reopening changed the count: %v", n)
	}
	// Next day, another unit handles it again; the new answer replaces the old one where it was counted.
	f.clock.Set(at("2026-11-26 10:00"))
	c = f.act(t, "disp1", c, D.ActionRequest{Action: D.ActDispatch, Unit: "QJ-WL-DD", Reason: "改由文龙大队处置"})
	c = f.closeCase(t, c, "wl-1")
	f.act(t, "op1", c, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "基本满意"})
	day1, day2 := districtCounts(t, f, "2026-11-25", "2026-11-25"), districtCounts(t, f, "2026-11-26", "2026-11-26")
	if day1[D.MFollowedUp] != 0 || day1[D.MSatisfied] != 0 || day2[D.MFollowedUp] != 1 || day2[D.MSatisfied] != 1 {
		t.Errorf("day 1 %v, day 2 %v: want the answer counted once, on day 2", day1, day2)
	}
	gn, wl := unitCounts(t, f, "QJ-GN-DD", "2026-11-25", "2026-11-26"), unitCounts(t, f, "QJ-WL-DD", "2026-11-25", "2026-11-26")
	if gn[D.MFollowedUp] != 0 || wl[D.MFollowedUp] != 1 || wl[D.MSatisfied] != 1 {
		t.Errorf("古南 %v, 文龙 %v: want the answer under 文龙 only", gn, wl)
	}
	if rate := districtRate(t, f, D.RateSatisfied); rate == nil || *rate != 1 {
		t.Errorf("satisfaction over both days %v, want 1 (one case, satisfied at last)", rate)
	}
}

func districtRate(t *testing.T, f *fixture, name string) *float64 {
	t.Helper()
	rep, err := f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{From: "2026-11-01", To: "2026-12-31"})
	if err != nil || len(rep.Rows) != 1 {
		t.Fatalf("measures %+v %v", rep, err)
	}
	return rep.Rows[0].Rates[name]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestDissatisfiedAnswerOpensAReview: 不满意 puts the case in the shift leader's review queue;
// upholding closes the review with the reason, reopening sends the case back to be handled; a
// satisfied answer opens none. The satisfaction counts once whatever the review decides.
func TestDissatisfiedAnswerOpensAReview(t *testing.T) {
	f := newFixture(t, false)
	happy := f.closedCase(t)
	happy = f.act(t, "op1", happy, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "满意"})
	if got := f.reviewQueue(t); len(got) != 0 {
		t.Fatalf("a satisfied answer opened a review: %v", got)
	}
	unhappy := f.closedCase(t)
	unhappy = f.act(t, "op1", unhappy, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"})
	if unhappy.Review != D.ReviewPending {
		t.Fatalf("review %q after 不满意", unhappy.Review)
	}
	if got := f.reviewQueue(t); len(got) != 1 || got[0] != unhappy.Number {
		t.Fatalf("review queue %v, want [%s]", got, unhappy.Number)
	}
	assertRefused(t, f, happy, "lead1", D.ActionRequest{Action: D.ActUphold, Reason: "已妥善处理"})
	upheld := f.act(t, "lead1", unhappy, D.ActionRequest{Action: D.ActUphold, Reason: "现场已恢复，处理符合规定"})
	if upheld.Review != D.ReviewUpheld || upheld.State != D.Closed {
		t.Fatalf("after uphold: review %q state %s", upheld.Review, upheld.State)
	}
	if got := f.reviewQueue(t); len(got) != 0 {
		t.Fatalf("queue after uphold %v", got)
	}
	again := f.closedCase(t)
	again = f.act(t, "op1", again, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"})
	reopened := f.act(t, "lead1", again, D.ActionRequest{Action: D.ActReopen, Reason: "复核：需重新处置"})
	if reopened.Review != D.ReviewReopened || reopened.State != D.Registered {
		t.Fatalf("after reopen: review %q state %s", reopened.Review, reopened.State)
	}
}

func (f *fixture) reviewQueue(t *testing.T) []string {
	t.Helper()
	page, err := f.svc.Cases(f.ctx, D.Actor{Login: "lead1", Role: D.ShiftLeader, Unit: D.CommandCentre},
		D.CaseFilter{Review: D.ReviewPending})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range page.Cases {
		out = append(out, c.Number)
	}
	return out
}

// closedCase files a complaint, dispatched at once by the automatic policy, and closes it.
func (f *fixture) closedCase(t *testing.T) *D.Case {
	t.Helper()
	return f.closeCase(t, f.submit(t, "complaint", "0501"), "gn-1")
}
