package dispatcher_test

import (
	"testing"

	D "cityhub/dispatcher"
)

// On-time acknowledgement counts the acknowledgements that fell due: a dispatch returned or
// reassigned before its acknowledgement deadline no longer counts against the unit.
func TestOnTimeAcknowledgementCountsOnlyAcknowledgementsThatFellDue(t *testing.T) {
	f := newFixture(t, false) // every report dispatched to 古南 at 10:00; acknowledgement due by 11:00
	onTime, returned, reassigned, ticked, withdrawnLate := f.submit(t, "complaint", "0501"), f.submit(t, "complaint", "0501"),
		f.submit(t, "complaint", "0501"), f.submit(t, "complaint", "0501"), f.submit(t, "complaint", "0501")
	f.clock.Set(at("2026-11-25 10:20"))
	f.act(t, "gn-lead", returned, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"}) // before its deadline: not due
	f.clock.Set(at("2026-11-25 10:30"))
	f.act(t, "gn-1", onTime, D.ActionRequest{Action: D.ActAcknowledge}) // due, on time
	f.clock.Set(at("2026-11-25 10:40"))
	reassigned = f.act(t, "disp1", reassigned, D.ActionRequest{Action: D.ActReassign, Unit: "QJ-WL-DD", Reason: "文龙辖区"}) // not due; 文龙 due by 11:40
	f.clock.Set(at("2026-11-25 11:01"))
	f.act(t, "disp1", withdrawnLate, D.ActionRequest{Action: D.ActReassign, Unit: "QJ-TH-DD", Reason: "通惠辖区"}) // due, missed
	f.clock.Set(at("2026-11-25 11:05"))
	if _, err := f.svc.Tick(f.ctx); err != nil { // marks the last one overdue: due, missed
		t.Fatal(err)
	}
	f.clock.Set(at("2026-11-25 11:10"))
	f.act(t, "gn-lead", ticked, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"}) // counted already
	f.clock.Set(at("2026-11-25 12:00"))
	f.act(t, "wl-1", reassigned, D.ActionRequest{Action: D.ActAcknowledge}) // due, late
	n := districtCounts(t, f, "2026-11-25", "2026-11-25")
	if n[D.MAckDue] != 4 || n[D.MAckOnTime] != 1 {
		t.Errorf("acknowledgements due %d, on time %d; want 4 and 1 (%v)", n[D.MAckDue], n[D.MAckOnTime], n)
	}
	if rate := districtRate(t, f, D.RateOnTimeAck); rate == nil || *rate != 0.25 {
		t.Errorf("on-time acknowledgement %v, want 0.25 (the return and the reassignment before the deadline do not count)", rate)
	}
}
