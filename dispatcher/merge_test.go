package dispatcher_test

import (
	"encoding/json"
	"testing"

	D "cityhub/dispatcher"
)

func (f *fixture) submitAt(t *testing.T, p D.Point, category string) *D.Case {
	t.Helper()
	cmp := complaintAt(p)
	cmp.Category = category
	res, err := f.svc.Submit(f.ctx, f.actor(t, "op1"), cmp)
	if err != nil {
		t.Fatalf("submit at %v: %v", p, err)
	}
	return res.Case
}

func mergeInto(into *D.Case, reason string) D.ActionRequest {
	return D.ActionRequest{Action: D.ActMerge, Into: into.Number, Reason: reason}
}

// A returned case used to merge into one transferred to another authority 30 km away: a merge needs
// a reason and an earlier target that is open, handled within the bureau, of the same category
// group and near the case.
func TestMergeNeedsAReasonAndANearbyOpenTargetOfTheBureau(t *testing.T) {
	f := newFixture(t, false)
	wanSheng := D.Point{Lat: 28.9587, Lng: 106.9265}
	near := D.Point{Lat: 28.953, Lng: 106.60}      // 334 m north of guNan
	far := D.Point{Lat: 28.95, Lng: 106.61}        // 973 m east of guNan
	transferred := f.submitAt(t, wanSheng, "0501") // another authority's: transferred
	nearOpen := f.submitAt(t, near, "0501")
	farOpen := f.submitAt(t, far, "0501")
	otherGroup := f.submitAt(t, near, "0101")
	closed := f.closeCase(t, f.submitAt(t, near, "0504"), "gn-1")
	if transferred.State != D.Transferred || farOpen.Routing.Unit == "" {
		t.Fatalf("set-up: %s %+v", transferred.State, farOpen.Routing)
	}
	c := f.submit(t, "complaint", "0504") // 店外经营: group 05 like 0501
	c = f.act(t, "gn-lead", c, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"})
	later := f.submitAt(t, near, "0501")

	refusals := map[string]D.ActionRequest{
		"no reason":            mergeInto(nearOpen, ""),
		"transferred target":   mergeInto(transferred, "重复"),
		"other category group": mergeInto(otherGroup, "重复"),
		"closed target":        mergeInto(closed, "重复"),
		"target 973 m away":    mergeInto(farOpen, "重复"),
		"later target":         mergeInto(later, "重复"),
		"no such target":       {Action: D.ActMerge, Into: "QJ20261125999999", Reason: "重复"},
	}
	for name, req := range refusals {
		if err := f.tryAct(t, "lead1", c, req); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	got := f.act(t, "lead1", c, mergeInto(nearOpen, "同一摊点重复举报"))
	if got.State != D.Merged || got.MergedInto != nearOpen.Number {
		t.Fatalf("merged: %s into %q", got.State, got.MergedInto)
	}
	evs, _ := f.store.CaseEvents(f.ctx, got.ID)
	var data struct {
		Into     string  `json:"into"`
		Distance float64 `json:"distance_m"`
	}
	if err := json.Unmarshal(evs[len(evs)-1].Data, &data); err != nil || data.Into != nearOpen.Number || data.Distance != 334 {
		t.Errorf("merge recorded %+v (%v), want the target and 334 m", data, err)
	}
}

// The merge radius is the catalogue's (500 m by default).
func TestMergeRadiusIsConfigurable(t *testing.T) {
	f := newFixture(t, false)
	ref, router := qijiang(t)
	cp := *ref
	cp.Catalogue.MergeRadius = 1000
	if err := f.svc.Reconfigure(&cp, router); err != nil {
		t.Fatal(err)
	}
	farOpen := f.submitAt(t, D.Point{Lat: 28.95, Lng: 106.61}, "0501")
	c := f.submit(t, "complaint", "0501")
	c = f.act(t, "gn-lead", c, D.ActionRequest{Action: D.ActReturn, Reason: "非本队"})
	f.act(t, "lead1", c, mergeInto(farOpen, "同一问题"))
}
