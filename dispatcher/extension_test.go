package dispatcher_test

import (
	"testing"
	"time"

	D "cityhub/dispatcher"
)

func extendBy(value int, unit string) D.ActionRequest {
	return D.ActionRequest{Action: D.ActExtendRequest, Reason: "需协调产权单位", Limit: &D.Limit{Value: value, Unit: unit}}
}

// (f *fixture) extend asks for an extension and has it approved.
func (f *fixture) extend(t *testing.T, c *D.Case, value int, unit string) *D.Case {
	t.Helper()
	c = f.act(t, "gn-lead", c, extendBy(value, unit))
	return f.act(t, "lead1", c, D.ActionRequest{Action: D.ActExtendApprove})
}

// A request for 1e9 days used to cost 16 s of CPU and end in a 500: every limit is bounded.
func TestExtensionOfAbsurdLengthIsRefusedAtOnce(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0101")
	for _, l := range []D.Limit{{Value: 1_000_000_000, Unit: D.WorkDay}, {Value: 367, Unit: D.WorkDay}, {Value: -3, Unit: D.WorkDay}, {Value: 2, Unit: "fortnight"}} {
		err := f.tryAct(t, "gn-lead", c, extendBy(l.Value, l.Unit))
		if D.ErrorCode(err) != D.EInvalid || D.ErrorField(err) != "limit" {
			t.Errorf("extension of %v: %v, want invalid limit", l, err)
		}
	}
}

// Extensions are counted in the handling clock's unit and bounded per request and in total (by
// default the category's own handling time per request and twice it in all).
func TestExtensionsAreBoundedInTheClockUnit(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0101") // 7 work days
	if err := f.tryAct(t, "gn-lead", c, extendBy(40, D.WorkHour)); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("an extension in work hours of a clock in work days: %v, want invalid", err)
	}
	if err := f.tryAct(t, "gn-lead", c, extendBy(8, D.WorkDay)); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("8 work days in one request (at most 7): %v, want invalid", err)
	}
	c = f.extend(t, c, 7, D.WorkDay)
	c = f.extend(t, c, 5, D.WorkDay)
	if err := f.tryAct(t, "gn-lead", c, extendBy(3, D.WorkDay)); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("3 more work days after 12 (at most 14 in all): %v, want invalid", err)
	}
	c = f.extend(t, c, 2, D.WorkDay)
	if c.Clocks.Handling.Extended != 14 || len(c.Clocks.Handling.History) != 3 {
		t.Errorf("extended %d, history %v", c.Clocks.Handling.Extended, c.Clocks.Handling.History)
	}
	if got := f.svc.AvailableActions(c, f.actor(t, "gn-lead")); contains(got, D.ActExtendRequest) {
		t.Errorf("an extension is offered once the total is used up: %v", got)
	}
	if err := f.tryAct(t, "gn-lead", c, extendBy(1, D.WorkDay)); D.ErrorCode(err) != D.EConflict {
		t.Errorf("an extension beyond the total: %v, want conflict", err)
	}
}

// Reference data is held to the same bounds: a category whose limit would take the calendar a
// billion days to count, or whose extension bound is absurd, is refused when it is loaded.
func TestReferenceLimitsAreBounded(t *testing.T) {
	ref, _ := qijiang(t)
	for name, change := range map[string]func(c *D.Catalogue){
		"handle limit":   func(c *D.Catalogue) { c.Groups[0].Items[0].HandleLimit.Value = 1_000_000_000 },
		"ack limit":      func(c *D.Catalogue) { c.AcknowledgeLimit.Value = 1 << 40 },
		"urgent ack":     func(c *D.Catalogue) { c.AcknowledgeLimit.Urgent = &D.Limit{Value: 600_000, Unit: D.NaturalMinute} },
		"check limit":    func(c *D.Catalogue) { c.CheckLimit = &D.Limit{Value: 0, Unit: D.WorkDay} },
		"register limit": func(c *D.Catalogue) { c.RegisterLimit = &D.Limit{Value: 9999, Unit: D.WorkDay} },
		"extension": func(c *D.Catalogue) {
			c.Groups[0].Items[0].Extension = &D.ExtensionBound{PerRequest: 7, Total: 100_000}
		},
	} {
		cp := *ref
		cp.Catalogue.Groups = cloneGroups(ref.Catalogue.Groups)
		change(&cp.Catalogue)
		if err := cp.Validate(); err == nil {
			t.Errorf("%s: an unbounded limit was accepted", name)
		}
	}
}

func cloneGroups(gs []D.CategoryGroup) []D.CategoryGroup {
	out := append([]D.CategoryGroup(nil), gs...)
	for i := range out {
		out[i].Items = append([]D.Category(nil), out[i].Items...)
	}
	return out
}

// The warning of an extended deadline stays at 80% of everything the clock counts (its limit and
// the extensions), in the limit's own measure, suspended time left out.
func TestWarningOfAnExtendedDeadline(t *testing.T) {
	f := newFixture(t, false)
	// 0101: 7 work days, dispatched Wednesday 2026-11-25 10:00: counted from Thursday 09:00 to
	// Friday 2026-12-04 18:00 (49 work hours; warning at 39.2 h, Thursday 12-03 15:12).
	c := f.inProgress(t, "0101")
	checkClock(t, "dispatched", c.Clocks.Handling, "2026-12-04 18:00", "2026-12-03 15:12")
	// Two more work days: 63 h to Tuesday 12-08 18:00; 80% is 50.4 h, Monday 12-07 10:24.
	f.clock.Set(at("2026-11-25 11:00"))
	extended := f.extend(t, c, 2, D.WorkDay)
	checkClock(t, "extended", extended.Clocks.Handling, "2026-12-08 18:00", "2026-12-07 10:24")

	// The same after a suspension: suspended Thursday 11:00 to Friday 15:00 (9 work hours).
	f.clock.Set(at("2026-11-25 10:00"))
	c = f.inProgress(t, "0101")
	f.clock.Set(at("2026-11-26 11:00"))
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActSuspend, Reason: "等待产权认定"})
	f.clock.Set(at("2026-11-27 15:00"))
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActResume})
	checkClock(t, "resumed", c.Clocks.Handling, "2026-12-08 11:00", "2026-12-04 17:12")
	f.clock.Set(at("2026-11-27 16:00"))
	c = f.extend(t, c, 2, D.WorkDay)
	// 14 more work hours from Tuesday 11:00: Thursday 12-10 11:00; 12.6 h before it is Tuesday 14:24.
	checkClock(t, "resumed and extended", c.Clocks.Handling, "2026-12-10 11:00", "2026-12-08 14:24")
}

// Natural units count wall time: 0401 has 2 natural hours, dispatched at 10:00.
func TestWarningOfAnExtendedNaturalDeadline(t *testing.T) {
	f := newFixture(t, false)
	c := f.inProgress(t, "0401")
	checkClock(t, "dispatched", c.Clocks.Handling, "2026-11-25 12:00", "2026-11-25 11:36")
	f.clock.Set(at("2026-11-25 10:10"))
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActSuspend, Reason: "等待封闭道路"})
	f.clock.Set(at("2026-11-25 10:40"))
	c = f.act(t, "lead1", c, D.ActionRequest{Action: D.ActResume})
	checkClock(t, "resumed", c.Clocks.Handling, "2026-11-25 12:30", "2026-11-25 12:06")
	c = f.extend(t, c, 2, D.NaturalHour)
	// 4 hours counted, 30 minutes suspended: deadline 14:30, warning 48 minutes before it.
	checkClock(t, "extended", c.Clocks.Handling, "2026-11-25 14:30", "2026-11-25 13:42")
	// The scheduler warns then, not before.
	f.clock.Set(at("2026-11-25 13:41"))
	tick(t, f, 0)
	f.clock.Set(at("2026-11-25 13:42"))
	tick(t, f, 1)
}

func checkClock(t *testing.T, when string, k *D.Clock, deadline, warn string) {
	t.Helper()
	if !k.Deadline.Equal(at(deadline)) || !k.WarnAt.Equal(at(warn)) {
		t.Errorf("%s: deadline %s, warning %s; want %s, %s", when, k.Deadline.In(shanghai).Format(time.DateTime),
			k.WarnAt.In(shanghai).Format(time.DateTime), deadline, warn)
	}
}

// A pending request that no longer fits the bound (the catalogue changed) can only be denied; a
// reassignment voids a pending request, since the new unit's clock has a bound of its own.
func TestPendingExtensionOutsideTheBoundCanOnlyBeDenied(t *testing.T) {
	f := newFixture(t, false)
	c := f.act(t, "gn-lead", f.inProgress(t, "0101"), extendBy(7, D.WorkDay))
	ref, router := qijiang(t)
	cp := *ref
	cp.Catalogue.Groups = cloneGroups(ref.Catalogue.Groups)
	cp.Catalogue.Groups[0].Items[0].Extension = &D.ExtensionBound{PerRequest: 3, Total: 6} // 0101
	if err := f.svc.Reconfigure(&cp, router); err != nil {
		t.Fatal(err)
	}
	offered := f.svc.AvailableActions(c, f.actor(t, "lead1"))
	if contains(offered, D.ActExtendApprove) || !contains(offered, D.ActExtendDeny) {
		t.Errorf("offered %v: want deny and not approve", offered)
	}
	if err := f.tryAct(t, "lead1", c, D.ActionRequest{Action: D.ActExtendApprove}); D.ErrorCode(err) != D.EConflict {
		t.Errorf("approval beyond the bound: %v, want conflict", err)
	}
	c = f.act(t, "disp1", c, D.ActionRequest{Action: D.ActReassign, Unit: "QJ-WL-DD", Reason: "文龙辖区"})
	if c.Extension != nil {
		t.Errorf("the pending request survived the reassignment: %+v", c.Extension)
	}
}
