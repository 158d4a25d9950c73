package dispatcher_test

import (
	"testing"

	D "cityhub/dispatcher"
)

// TestCampaigns: the seeded campaigns mark the series that overlap them; the admin replaces the
// list (checked, sorted, logged), and the series follow at once.
func TestCampaigns(t *testing.T) {
	f := adminFixture(t)
	boss, admin := f.actor(t, "boss"), f.actor(t, "admin")
	s, err := f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{Interval: "month", From: "2026-01-01", To: "2026-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Campaigns) != 2 || s.Campaigns[0].ID != "2026-dust" || len(s.Campaigns[1].Categories) != 3 {
		t.Fatalf("seeded campaigns %+v", s.Campaigns)
	}
	s, _ = f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{From: "2026-06-01", To: "2026-06-30"})
	if len(s.Campaigns) != 0 {
		t.Errorf("June has no campaign: %+v", s.Campaigns)
	}
	bad := []D.Campaign{
		{ID: "x", Name: "", From: "2026-01-01", To: "2026-01-02"},
		{ID: "x", Name: "倒置", From: "2026-02-01", To: "2026-01-02"},
		{ID: "x", Name: "未知类别", From: "2026-01-01", To: "2026-01-02", Categories: []string{"9999"}},
		{ID: "a b", Name: "编号", From: "2026-01-01", To: "2026-01-02"},
	}
	for _, c := range bad {
		if _, err := f.svc.AdminPutCampaigns(f.ctx, admin, []D.Campaign{c}); D.ErrorCode(err) != D.EInvalid {
			t.Errorf("%+v: %v, want invalid", c, err)
		}
	}
	twice := []D.Campaign{{ID: "x", Name: "一", From: "2026-01-01", To: "2026-01-02"}, {ID: "x", Name: "二", From: "2026-01-01", To: "2026-01-02"}}
	if _, err := f.svc.AdminPutCampaigns(f.ctx, admin, twice); D.ErrorCode(err) != D.EInvalid {
		t.Errorf("the same id twice: %v", err)
	}
	if _, err := f.svc.AdminPutCampaigns(f.ctx, boss, nil); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a leader editing campaigns: %v", err)
	}
	list, err := f.svc.AdminPutCampaigns(f.ctx, admin, []D.Campaign{
		{ID: "late", Name: "冬季", From: "2026-11-01", To: "2026-12-31", Categories: []string{"0505", "0501", "0505"}},
		{ID: "early", Name: "六月", From: "2026-06-10", To: "2026-06-20"},
	})
	if err != nil || len(list) != 2 || list[0].ID != "early" || len(list[1].Categories) != 2 {
		t.Fatalf("put: %+v %v", list, err)
	}
	s, _ = f.svc.MeasureSeries(f.ctx, boss, D.SeriesQuery{From: "2026-06-01", To: "2026-06-30"})
	if len(s.Campaigns) != 1 || s.Campaigns[0].Name != "六月" || s.Campaigns[0].Categories == nil {
		t.Errorf("June after the change: %+v", s.Campaigns)
	}
	got, _ := f.svc.AdminCampaigns(f.ctx, admin)
	if len(got) != 2 {
		t.Errorf("stored %+v", got)
	}
	log, err := f.svc.AdminLog(f.ctx, admin, D.AdminLogFilter{Action: D.AdminCampaignsPut})
	if err != nil || len(log) != 1 || log[0].Target != "campaigns" {
		t.Errorf("admin log %+v %v", log, err)
	}
}
