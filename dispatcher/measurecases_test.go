package dispatcher_test

import (
	"testing"
	"time"

	D "cityhub/dispatcher"
)

// TestMeasureCases: for each measure, the cases listed behind the district's figure and a unit's
// are as many as the figure (no case counted twice here), and they are the right ones.
func TestMeasureCases(t *testing.T) {
	f := newFixture(t, false)
	boss := f.actor(t, "boss")
	done := f.submit(t, "complaint", "0501")
	done = f.act(t, "gn-1", done, D.ActionRequest{Action: D.ActAcknowledge})
	done = f.act(t, "gn-1", done, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	done = f.act(t, "insp1", done, D.ActionRequest{Action: D.ActPass})
	f.act(t, "op1", done, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "不满意"})
	f.clock.Add(time.Hour)
	f.act(t, "op1", done, D.ActionRequest{Action: D.ActFollowUp, Satisfaction: "满意"})
	returned := f.submit(t, "complaint", "0501")
	f.act(t, "gn-lead", returned, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"})
	late := f.submit(t, "complaint", "0501") // handling deadline two work hours on
	late = f.act(t, "gn-1", late, D.ActionRequest{Action: D.ActAcknowledge})
	f.clock.Add(26 * time.Hour)
	late = f.act(t, "gn-1", late, D.ActionRequest{Action: D.ActResolve, Text: "已劝离"})
	f.act(t, "insp1", late, D.ActionRequest{Action: D.ActPass})
	f.svc.Tick(f.ctx)

	rep, err := f.svc.Measures(f.ctx, boss, D.MeasureQuery{Period: "month"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{ // measure: the cases behind it, newest first
		D.MReceived: {late.Number, returned.Number, done.Number}, D.MDispatched: {late.Number, returned.Number, done.Number},
		D.MClosed: {late.Number, done.Number}, D.MClosedOnTime: {done.Number}, D.MReturns: {returned.Number},
		D.MFollowedUp: {done.Number}, D.MSatisfied: {done.Number}, D.MAcknowledged: {late.Number, done.Number},
		D.MResolved: {late.Number, done.Number}, D.MChecked: {late.Number, done.Number}, D.MReworks: nil,
	}
	for measure, numbers := range want {
		if got := rep.Rows[0].Counts[measure]; got != int64(len(numbers)) {
			t.Errorf("%s: the figure says %d, want %d", measure, got, len(numbers))
		}
		for _, q := range []D.MeasureCasesQuery{{Measure: measure, Period: "month"},
			{Measure: measure, Period: "month", Dim: D.DimUnit, Key: "QJ-GN-DD"}} {
			page, err := f.svc.MeasureCases(f.ctx, boss, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			var got []string
			for _, c := range page.Cases {
				got = append(got, c.Number)
				if c.Reporter.Phone == "13812345678" {
					t.Errorf("%s: the leader sees the phone in full", measure)
				}
			}
			if page.Total != len(numbers) || len(got) != len(numbers) || len(numbers) > 0 && got[0] != numbers[0] {
				t.Errorf("%+v: %d cases %v, want %v", q, page.Total, got, numbers)
			}
		}
	}
	page, err := f.svc.MeasureCases(f.ctx, boss, D.MeasureCasesQuery{Measure: D.MReceived, Period: "month", Dim: D.DimUnit, Key: "QJ-SJ-DD"})
	if err != nil || page.Total != 0 {
		t.Errorf("another unit: %d %v", page.Total, err)
	}
	for _, q := range []D.MeasureCasesQuery{{Measure: "nonsense", Period: "today"}, {Measure: D.MClosed, Dim: D.DimUnit, Period: "today"}} {
		if _, err := f.svc.MeasureCases(f.ctx, boss, q); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%+v: %v, want invalid", q, err)
		}
	}
	if _, err := f.svc.MeasureCases(f.ctx, f.actor(t, "sj-lead"), D.MeasureCasesQuery{Measure: D.MClosed, Dim: D.DimUnit, Key: "QJ-GN-DD", Period: "today"}); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("another unit's lead: %v", err)
	}
}
