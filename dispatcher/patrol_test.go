package dispatcher_test

import (
	"slices"
	"testing"

	D "cityhub/dispatcher"
)

// TestPatrolReports: only an inspector files on the inspector channel (监督员上报); the report is
// counted under its channel like any other; and since the inspector who filed it saw the problem
// on site, nobody is sent to verify it: verify is neither offered nor accepted, while registration
// is.
func TestPatrolReports(t *testing.T) {
	f := newFixture(t, true) // manual: the report waits in received for the centre
	cmp := complaintAt(guNan)
	cmp.Channel = D.ChannelInspector
	if _, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp); D.ErrorCode(err) != D.EForbidden || D.ErrorField(err) != "channel" {
		t.Fatalf("an operator filing on the inspector channel: %v, want forbidden on channel", err)
	}
	res, err := f.svc.Submit(f.ctx, f.actor(t, "insp1"), cmp)
	if err != nil {
		t.Fatal(err)
	}
	c := res.Case
	if c.Channel != D.ChannelInspector || c.State != D.Received {
		t.Fatalf("patrol report: channel %s state %s", c.Channel, c.State)
	}
	lead := f.actor(t, "lead1")
	acts := f.svc.AvailableActions(c, lead)
	if slices.Contains(acts, D.ActVerify) || !slices.Contains(acts, D.ActRegister) {
		t.Errorf("actions offered on a patrol report: %v, want register and no verify", acts)
	}
	if _, err := f.svc.Act(f.ctx, lead, c.ID, D.ActionRequest{Action: D.ActVerify}); D.ErrorCode(err) != D.EConflict {
		t.Errorf("verify on a patrol report: %v, want a conflict", err)
	}
	hotline := f.submit(t, "complaint", "0501")
	if !slices.Contains(f.svc.AvailableActions(hotline, lead), D.ActVerify) {
		t.Error("verify is not offered on a hotline report any more")
	}
	rep, err := f.svc.Measures(f.ctx, lead, D.MeasureQuery{Dim: D.DimChannel, Period: "today"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rep.Rows {
		got[r.Key] = r.Counts["received"]
	}
	if got[D.ChannelInspector] != 1 || got[D.ChannelHotline] != 1 {
		t.Errorf("received per channel %v, want inspector 1 and hotline 1", got)
	}
}
