package dispatcher_test

import (
	"testing"
	"time"

	D "cityhub/dispatcher"
)

// TestStepTimesAndAccountability: each step's count and seconds are kept under the unit; returns
// are ranked with their reasons; a ruling counts under each unit that returned the case.
func TestStepTimesAndAccountability(t *testing.T) {
	f := newFixture(t, false)
	boss := f.actor(t, "boss")
	c := f.submit(t, "complaint", "0501") // dispatched to 古南大队 at 10:00
	f.clock.Add(10 * time.Minute)
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	f.clock.Add(time.Hour)
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	f.clock.Add(30 * time.Minute)
	c = f.act(t, "insp1", c, D.ActionRequest{Action: D.ActRework, Reason: "仍有摊贩"})
	f.clock.Add(20 * time.Minute)
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActAcknowledge})
	f.clock.Add(40 * time.Minute)
	c = f.act(t, "gn-1", c, D.ActionRequest{Action: D.ActResolve, Text: "已清理"})
	f.clock.Add(10 * time.Minute)
	f.act(t, "insp1", c, D.ActionRequest{Action: D.ActPass})

	b := f.submit(t, "complaint", "0501")
	b = f.act(t, "gn-lead", b, D.ActionRequest{Action: D.ActReturn, Reason: " 不属于本单位职责 "})
	b = f.act(t, "disp1", b, D.ActionRequest{Action: D.ActDispatch, Unit: "QJ-WL-DD", Reason: "试派文龙"})
	b = f.act(t, "wl-lead", b, D.ActionRequest{Action: D.ActReturn, Reason: "地点不在本辖区"})
	f.act(t, "lead1", b, D.ActionRequest{Action: D.ActArbitrate, Unit: "QJ-GN-DD", Reason: "属古南辖区"})
	g := f.submit(t, "complaint", "0501")
	f.act(t, "gn-lead", g, D.ActionRequest{Action: D.ActReturn, Reason: "不属于本单位职责"})

	acc, err := f.svc.Accountability(f.ctx, boss, D.MeasureQuery{Period: "today"})
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]D.UnitAccountability{}
	for _, u := range acc.Units {
		units[u.Unit] = u
	}
	gn, wl := units["QJ-GN-DD"], units["QJ-WL-DD"]
	if gn.Name != "古南大队" || gn.Acknowledged != 2 || gn.Resolved != 2 || gn.Checked != 2 || gn.Reworks != 1 {
		t.Fatalf("古南 %+v", gn)
	}
	for name, got := range map[string]*float64{"ack": gn.AckAvgSeconds, "handle": gn.HandleAvgSeconds, "check": gn.CheckAvgSeconds} {
		want := map[string]float64{"ack": 900, "handle": 3000, "check": 1200}[name] // (600+1200)/2, (3600+2400)/2, (1800+600)/2
		if got == nil || *got != want {
			t.Errorf("%s average %v, want %v", name, got, want)
		}
	}
	// 古南: dispatched c, c's rework, b, b's ruling, g = 5; returns 2 (b, g). 文龙: 1 of 1.
	if gn.Dispatched != 5 || gn.Returns != 2 || wl.Dispatched != 1 || wl.Returns != 1 {
		t.Fatalf("dispatched/returns: 古南 %d/%d, 文龙 %d/%d", gn.Dispatched, gn.Returns, wl.Dispatched, wl.Returns)
	}
	if acc.Units[0].Unit != "QJ-WL-DD" || acc.Units[1].Unit != "QJ-GN-DD" || acc.Units[len(acc.Units)-1].ReturnRate != nil {
		t.Errorf("ranking: %s, %s ... %s", acc.Units[0].Unit, acc.Units[1].Unit, acc.Units[len(acc.Units)-1].Unit)
	}
	if len(gn.Reasons) != 1 || gn.Reasons[0] != (D.ReasonCount{Reason: "不属于本单位职责", Count: 2}) {
		t.Errorf("古南 reasons %+v", gn.Reasons)
	}
	want := map[string]bool{"QJ-GN-DD>QJ-GN-DD": true, "QJ-WL-DD>QJ-GN-DD": true}
	if len(acc.Rulings) != 2 {
		t.Fatalf("rulings %+v", acc.Rulings)
	}
	for _, r := range acc.Rulings {
		if !want[r.ReturnedBy+">"+r.RuledTo] || r.Count != 1 || r.RuledToName != "古南大队" {
			t.Errorf("ruling %+v", r)
		}
	}
	if _, err := f.svc.Accountability(f.ctx, f.actor(t, "gn-lead"), D.MeasureQuery{Period: "today"}); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a street team reading accountability: %v", err)
	}
	// The district's row carries the step counters too.
	rep, _ := f.svc.Measures(f.ctx, boss, D.MeasureQuery{Period: "today"})
	if n := rep.Rows[0].Counts; n[D.MAckSeconds] != 1800 || n[D.MHandleSeconds] != 6000 || n[D.MCheckSeconds] != 2400 {
		t.Errorf("district step seconds %v", n)
	}
}

// TestSeries: daily and monthly points of the chosen measures, sorted, named; the 400-day bound.
func TestSeries(t *testing.T) {
	f := newFixture(t, false)
	boss := f.actor(t, "boss")
	for _, day := range []string{"2026-10-30 09:00", "2026-11-02 09:00", "2026-11-02 10:00", "2026-11-25 09:00"} {
		f.clock.Set(at(day))
		f.submit(t, "complaint", "0501")
	}
	f.clock.Set(at("2026-11-25 10:00"))
	s, err := f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{Dim: D.DimChannel, From: "2026-10-01", To: "2026-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Interval != "day" || len(s.Measures) != 2 || len(s.Points) != 3 {
		t.Fatalf("daily %+v", s)
	}
	p := s.Points[1]
	if p.Period != "2026-11-02" || p.Key != "hotline" || p.Name != "热线电话" || p.Counts[D.MReceived] != 2 {
		t.Errorf("daily point %+v", p)
	}
	s, err = f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{Interval: "month", From: "2026-10-15", To: "2026-11-25", Measures: []string{D.MReceived, D.MDispatched}})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Points) != 2 || s.Points[0].Period != "2026-10" || s.Points[1].Period != "2026-11" ||
		s.Points[1].Counts[D.MReceived] != 3 || s.Points[1].Counts[D.MDispatched] != 3 || s.Points[0].Name != "全区" {
		t.Errorf("monthly %+v", s.Points)
	}
	if _, err := f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{From: "2025-01-01", To: "2026-02-05"}); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("401 days daily: %v", err)
	}
	if _, err := f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{Period: "year", Measures: []string{"overdue_open"}}); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("a gauge as a series: %v", err)
	}
}
