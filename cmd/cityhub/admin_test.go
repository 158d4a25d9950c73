package main

import (
	"context"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/postgres/pgtest"
)

// TestAdminChangesReachEveryInstance: with two instances on one database, what the admin changes
// through one (a category's limit, next year's calendar, a place of the gazetteer) is in force on
// the other within its refresh interval: a report filed there gets the new deadline, a place
// search there finds the new place; both read the same admin log, one entry per change.
func TestAdminChangesReachEveryInstance(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := startInstance(t, dsn, "", "")
	b := startInstance(t, dsn, "", "")
	admin := a.login("admin")
	a.do("PUT", "/api/v1/admin/categories/0501", admin, map[string]any{"handle_limit": map[string]any{"value": 5, "unit": "natural_hour"},
		"route": "territorial"}, 200, nil)
	year := time.Now().Year() + 1
	a.do("PUT", "/api/v1/admin/calendar/"+itoa(int64(year)), admin, map[string]any{"holidays": [][2]string{{itoa(int64(year)) + "-01-01", itoa(int64(year)) + "-01-01"}},
		"workdays": []string{}}, 200, nil)
	a.do("POST", "/api/v1/admin/places", admin, map[string]any{"id": "gn-csc", "name": "古南菜市场", "kind": "market",
		"point": map[string]float64{"lat": 29.021, "lng": 106.646}}, 201, nil)
	waitFor(t, func() bool {
		c, ok := b.m.svc.Category("0501")
		_, listed := b.m.svc.Reference().Calendar.Years[itoa(int64(year))]
		// The three changes are three versions of the reference data: wait for the last one too.
		hits, _ := b.m.svc.SearchPlaces("菜市场")
		return ok && c.HandleLimit == dispatcher.Limit{Value: 5, Unit: dispatcher.NaturalHour} && listed && len(hits) == 1
	})
	op := b.login("op1")
	var filed struct{ Case dispatcher.Case }
	b.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &filed)
	if h := filed.Case.Clocks.Handling; h == nil || h.Deadline.Sub(h.StartedAt) != 5*time.Hour {
		t.Errorf("a report filed on the other instance: handling clock %+v, want 5 natural hours", h)
	}
	var found struct{ Places []dispatcher.PlaceHit }
	b.do("GET", "/api/v1/places?q=%E8%8F%9C%E5%B8%82%E5%9C%BA", op, nil, 200, &found) // 菜市场
	if len(found.Places) != 1 || found.Places[0].ID != "gn-csc" {
		t.Errorf("the new place on the other instance: %+v", found.Places)
	}
	var log struct{ Entries []dispatcher.AdminEntry }
	b.do("GET", "/api/v1/admin/log", b.login("admin"), nil, 200, &log)
	if len(log.Entries) != 3 || log.Entries[0].Target != "gn-csc" || log.Entries[2].Target != "0501" {
		t.Errorf("the admin log read on the other instance: %+v", log.Entries)
	}
	if v, _ := a.m.store.ReferenceVersion(context.Background()); v < 4 {
		t.Errorf("reference version %d after three changes", v)
	}
}
