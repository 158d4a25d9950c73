package dispatcher_test

import (
	"testing"
	"time"

	D "cityhub/dispatcher"
)

func TestAutomaticPolicyDispatchesToRoutedUnit(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	if c.State != D.Dispatched || c.Unit != "QJ-GN-DD" || c.Owner != "QJ-GN-DD" {
		t.Fatalf("state %s unit %s owner %s, want dispatched to QJ-GN-DD", c.State, c.Unit, c.Owner)
	}
	evs, _ := f.store.CaseEvents(f.ctx, c.ID)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
		if e.Type != "case.received" && e.Actor.Role != D.System {
			t.Errorf("%s by %s, want the system", e.Type, e.Actor.Login)
		}
	}
	if len(types) != 3 || types[1] != "case.registered" || types[2] != "case.dispatched" {
		t.Errorf("events %v, want received, registered, dispatched", types)
	}
	if c.Clocks.Handling == nil || c.Clocks.Acknowledge == nil {
		t.Fatal("dispatch started no clocks")
	}
	// 0501 has 2 work hours: dispatched Wednesday 10:00 -> 12:00; acknowledgement 1 work hour.
	if got := c.Clocks.Handling.Deadline; !got.Equal(at("2026-11-25 12:00")) {
		t.Errorf("handling deadline %v, want 12:00", got)
	}
	if got := c.Clocks.Acknowledge.Deadline; !got.Equal(at("2026-11-25 11:00")) {
		t.Errorf("acknowledge deadline %v", got)
	}
	inq := f.submit(t, "inquiry", "0501")
	if inq.State != D.Received {
		t.Errorf("an inquiry was %s, want it left for the operator", inq.State)
	}
}

func TestAnotherAuthorityIsTransferred(t *testing.T) {
	f := newFixture(t, false)
	ws := D.Point{Lat: 28.9587, Lng: 106.9265} // 万盛 area, another authority
	res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), D.Complaint{Channel: D.ChannelHotline,
		Category: "0501", Location: D.Location{Point: ws, Original: ws, Datum: D.WGS84}})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Case; c.State != D.Transferred || c.Owner != "EXT-WS" || c.OwnerKind != D.OwnedByAgency {
		t.Fatalf("state %s owner %s (%s), want transferred to EXT-WS", c.State, c.Owner, c.OwnerKind)
	}
}

func TestOutsideDistrictStoresNothing(t *testing.T) {
	f := newFixture(t, false)
	beijing := D.Point{Lat: 39.9, Lng: 116.4}
	_, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), D.Complaint{Channel: D.ChannelHotline,
		Category: "0501", Location: D.Location{Point: beijing, Original: beijing, Datum: D.WGS84}})
	if D.ErrorCode(err) != D.EOutside {
		t.Fatalf("err %v, want outside", err)
	}
	if page, _ := f.store.ListCases(f.ctx, D.CaseFilter{}); page.Total != 0 {
		t.Errorf("%d cases stored", page.Total)
	}
}

func TestSecondReturnGoesToArbitrationWhoseRulingCannotBeReturned(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	c = f.act(t, "gn-lead", c, D.ActionRequest{Action: D.ActReturn, Reason: "不属于本队辖区"})
	c = f.act(t, "disp1", c, D.ActionRequest{Action: D.ActDispatch, Unit: "QJ-SJ-DD", Reason: "边界争议，改由三江"})
	c = f.act(t, "sj-lead", c, D.ActionRequest{Action: D.ActReturn, Reason: "也不属于三江"})
	if c.Arbitration != "pending" || c.ReturnCount != 2 || c.Returns["QJ-GN-DD"] != 1 || c.Returns["QJ-SJ-DD"] != 1 {
		t.Fatalf("arbitration %q, returns %v (%d)", c.Arbitration, c.Returns, c.ReturnCount)
	}
	if _, err := f.svc.Act(f.ctx, f.actor(t, "disp1"), c.ID, D.ActionRequest{Action: D.ActDispatch}); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("plain dispatch during arbitration: %v, want conflict", err)
	}
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActArbitrate, Unit: "QJ-GN-DD", Reason: "经核实位于古南辖区"})
	if c.State != D.Dispatched || c.Arbitration != "ruled" {
		t.Fatalf("after ruling: %s %q", c.State, c.Arbitration)
	}
	_, err := f.svc.Act(f.ctx, f.actor(t, "gn-lead"), c.ID, D.ActionRequest{Action: D.ActReturn, Reason: "再退"})
	if D.ErrorCode(err) != D.EConflict {
		t.Fatalf("return of a ruling: %v, want conflict", err)
	}
}

func TestFormerOwnerCannotActButCanStillSee(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	c = f.act(t, "disp1", c, D.ActionRequest{Action: D.ActReassign, Unit: "QJ-WL-DD", Reason: "实为文龙辖区"})
	_, err := f.svc.Act(f.ctx, f.actor(t, "gn-lead"), c.ID, D.ActionRequest{Action: D.ActAcknowledge})
	if D.ErrorCode(err) != D.EForbidden {
		t.Fatalf("former owner acknowledging: %v, want forbidden", err)
	}
	if _, err := f.svc.Case(f.ctx, f.actor(t, "gn-lead"), c.ID); err != nil {
		t.Errorf("former owner may still read the case: %v", err)
	}
	if _, err := f.svc.Case(f.ctx, f.actor(t, "sj-lead"), c.ID); D.ErrorCode(err) != D.ENotFound {
		t.Errorf("a unit that never owned it reads it: %v", err)
	}
	page, _ := f.svc.Cases(f.ctx, f.actor(t, "sj-lead"), D.CaseFilter{})
	if page.Total != 0 {
		t.Errorf("三江 lists %d cases, want none", page.Total)
	}
}

func TestEnforcementActNeedsValidCertificateAndMajorNeedsLegalReview(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0101")
	c = f.act(t, "gn-2", c, D.ActionRequest{Action: D.ActAcknowledge})
	order := &D.Decision{Kind: D.DecisionOrder, Text: "责令限期拆除"}
	act := D.ActionRequest{Action: D.ActResolve, Text: "已送达责令限期拆除通知书", Decision: order}
	if _, err := f.svc.Act(f.ctx, f.actor(t, "gn-2"), c.ID, act); D.ErrorCode(err) != D.EForbidden {
		t.Fatalf("expired certificate: %v, want forbidden", err)
	}
	major := act
	major.Decision = &D.Decision{Kind: D.DecisionDemolition, Text: "强制拆除违法建筑"}
	if _, err := f.svc.Act(f.ctx, f.actor(t, "gn-1"), c.ID, major); D.ErrorCode(err) != D.EConflict {
		t.Fatalf("major decision without review: %v, want conflict", err)
	}
	yes := true
	f.act(t, "legal1", c, D.ActionRequest{Action: D.ActLegalReview, Decision: &D.Decision{Kind: D.DecisionDemolition, Text: "强制拆除违法建筑"}, Approved: &yes})
	c = f.act(t, "gn-1", c, major)
	if c.State != D.Resolved {
		t.Fatalf("state %s", c.State)
	}
}

func TestContactMaskedOutsideCentreAndRevealIsAudited(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	view, _ := f.svc.Case(f.ctx, f.actor(t, "gn-lead"), c.ID)
	if view.Reporter.Phone != "138****5678" || view.Reporter.Name != "张*" {
		t.Fatalf("unit sees %+v", view.Reporter)
	}
	contact, err := f.svc.RevealContact(f.ctx, f.actor(t, "gn-lead"), c.ID, "需联系举报人确认位置")
	if err != nil || contact.Phone != "13812345678" {
		t.Fatalf("reveal: %+v %v", contact, err)
	}
	evs, _ := f.store.CaseEvents(f.ctx, c.ID)
	last := evs[len(evs)-1]
	if last.Type != "case.contact_revealed" || last.Actor.Login != "gn-lead" || last.Reason == "" {
		t.Errorf("reveal not recorded: %+v", last)
	}
}

func TestSchedulerWarnsThenMarksOverdueOnce(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501") // handling 2 work hours: 10:00 -> 12:00, warn 11:36
	f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	f.clock.Set(at("2026-11-25 11:40"))
	tick(t, f, 1)
	tick(t, f, 0)
	f.clock.Set(at("2026-11-25 12:01"))
	tick(t, f, 2) // overdue + automatic supervision
	tick(t, f, 0)
	evs, _ := f.store.CaseEvents(f.ctx, c.ID)
	count := map[string]int{}
	for _, e := range evs {
		count[e.Type]++
	}
	if count["case.deadline_warning"] != 1 || count["case.overdue"] != 1 || count["case.supervised"] != 1 {
		t.Errorf("marks %v", count)
	}
	got, _ := f.store.Case(f.ctx, c.ID)
	if !got.IsOverdue() {
		t.Error("case not overdue")
	}
	rep, err := f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{Period: "today"})
	if err != nil || len(rep.Rows) != 1 || rep.Rows[0].Counts[D.MOverdueOpen] != 1 {
		t.Fatalf("overdue gauge: %+v %v", rep, err)
	}
	f.act(t, "gn-1", got, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	rep, _ = f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{Period: "today"})
	if rep.Rows[0].Counts[D.MOverdueOpen] != 0 {
		t.Errorf("gauge after resolve: %d", rep.Rows[0].Counts[D.MOverdueOpen])
	}
}

func tick(t *testing.T, f *fixture, want int) {
	t.Helper()
	n, err := f.svc.Tick(f.ctx)
	if err != nil || n != want {
		t.Fatalf("tick wrote %d events (%v), want %d", n, err, want)
	}
}

func TestSuspensionStopsTheClock(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501") // handling deadline Wed 12:00
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	f.clock.Set(at("2026-11-25 11:00"))
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActSuspend, Reason: "等待产权认定"})
	f.clock.Set(at("2026-11-27 10:00")) // Friday: 2 days and 14 work hours later
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActResume})
	// One work hour was left at 11:00 on Wednesday; from Friday 10:00 it runs to 11:00.
	if got := c.Clocks.Handling.Deadline; !got.Equal(at("2026-11-27 11:00")) {
		t.Errorf("deadline after resume %v, want Friday 11:00", got.In(shanghai))
	}
	if len(c.Clocks.Handling.History) != 1 {
		t.Errorf("history %v", c.Clocks.Handling.History)
	}
}

func TestExtensionMovesDeadlineAndKeepsHistory(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0101") // 7 work days
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	old := c.Clocks.Handling.Deadline
	c = f.act(t, "gn-lead", c, D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调", Limit: &D.Limit{Value: 2, Unit: D.WorkDay}})
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActExtendApprove})
	h := c.Clocks.Handling
	if len(h.History) != 1 || !h.History[0].Equal(old) || !h.Deadline.After(old) {
		t.Fatalf("deadline %v history %v (old %v)", h.Deadline, h.History, old)
	}
	if c.Extension != nil {
		t.Error("request still pending")
	}
}

func TestMeasuresFollowTheDefinitions(t *testing.T) {
	f := newFixture(t, false)
	done := f.submit(t, "complaint", "0501")
	done = f.act(t, "gn-1", done, D.ActionRequest{Action: D.ActAcknowledge})
	done = f.act(t, "gn-1", done, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	done = f.act(t, "insp1", done, D.ActionRequest{Action: D.ActPass})
	f.act(t, "op1", done, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "基本满意"})
	returned := f.submit(t, "complaint", "0501")
	f.act(t, "gn-lead", returned, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"})
	voided := f.submit(t, "complaint", "0501")
	f.act(t, "lead1", voided, D.ActionRequest{Action: D.ActVoid, Reason: "误录"})
	rep, err := f.svc.Measures(f.ctx, f.actor(t, "boss"), D.MeasureQuery{Period: "month", Dim: D.DimUnit})
	if err != nil {
		t.Fatal(err)
	}
	var gn *D.MeasureRow
	for i := range rep.Rows {
		if rep.Rows[i].Key == "QJ-GN-DD" {
			gn = &rep.Rows[i]
		}
	}
	if gn == nil {
		t.Fatalf("no 古南 row in %+v", rep.Rows)
	}
	n := gn.Counts
	if n[D.MReceived] != 3 || n[D.MDispatched] != 3 || n[D.MReturns] != 1 || n[D.MClosed] != 1 || n[D.MVoided] != 1 {
		t.Fatalf("counts %v", n)
	}
	want := map[string]float64{D.RateClosure: 0.5, D.RateReturn: 1.0 / 3, D.RateSatisfied: 1, D.RateOnTimeClose: 1}
	for name, w := range want {
		if got := gn.Rates[name]; got == nil || *got < w-1e-9 || *got > w+1e-9 {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	if _, err := f.svc.Measures(f.ctx, f.actor(t, "gn-lead"), D.MeasureQuery{Period: "today", Dim: D.DimAll}); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("unit member reading district measures: %v", err)
	}
	_ = time.Second
}

func TestHashChainVerifiesAndDetectsTampering(t *testing.T) {
	f := newFixture(t, false)
	c := f.submit(t, "complaint", "0501")
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	if _, _, err := D.AuditStore(f.ctx, f.store); err != nil {
		t.Fatalf("audit: %v", err)
	}
	evs, _ := f.store.CaseEvents(f.ctx, c.ID)
	evs[1].Reason = "篡改"
	if err := D.VerifyChain(c, evs); err == nil {
		t.Fatal("an altered event verified")
	}
}

func TestDuplicateChannelMessageReturnsEarlierCase(t *testing.T) {
	f := newFixture(t, false)
	cmp := D.Complaint{Channel: D.ChannelWeChat, Category: "0501", ExternalID: "wx-msg-1",
		Location: D.Location{Point: guNan, Original: guNan, Datum: D.WGS84}}
	first, err := f.svc.Submit(f.ctx, D.SystemActor, cmp)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Submit(f.ctx, D.SystemActor, cmp)
	if err != nil || !again.Duplicate || again.Case.ID != first.Case.ID {
		t.Fatalf("second submit: %+v %v", again, err)
	}
}

func TestBadComplaintsStoreNothing(t *testing.T) {
	f := newFixture(t, false)
	long := make([]rune, D.MaxTextRunes+1)
	for i := range long {
		long[i] = '字'
	}
	bad := map[string]D.Complaint{
		"unknown category": {Category: "9999", Location: D.Location{Point: guNan}},
		"text too long":    {Category: "0501", Text: string(long), Location: D.Location{Point: guNan}},
		"lat out of range": {Category: "0501", Location: D.Location{Point: D.Point{Lat: 106, Lng: 29}}},
		"unknown nature":   {Category: "0501", Nature: "rant", Location: D.Location{Point: guNan}},
	}
	for name, cmp := range bad {
		cmp.Channel = D.ChannelHotline
		if _, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	if _, err := f.svc.Submit(f.ctx, f.actor(t, "gn-1"), D.Complaint{Channel: D.ChannelHotline, Category: "0501",
		Location: D.Location{Point: guNan}}); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("an officer logging a hotline report: %v", err)
	}
	if page, _ := f.store.ListCases(f.ctx, D.CaseFilter{}); page.Total != 0 {
		t.Errorf("%d cases stored", page.Total)
	}
}
