package dispatcher_test

import (
	"encoding/json"
	"strings"
	"testing"

	D "cityhub/dispatcher"
)

// adminFixture is newFixture with the reference data in the store, as a hub has it (the admin
// API changes the stored reference data).
func adminFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, false)
	if err := f.store.SaveReference(f.ctx, f.svc.Reference()); err != nil {
		t.Fatal(err)
	}
	return f
}

// adminLog returns the admin log's entries for a target, newest first.
func (f *fixture) adminLog(t *testing.T, target string) []*D.AdminEntry {
	t.Helper()
	log, err := f.svc.AdminLog(f.ctx, f.actor(t, "admin"), D.AdminLogFilter{Target: target})
	if err != nil {
		t.Fatal(err)
	}
	return log
}

// TestAdminAccounts: an account created with a generated password that signs in, changed field by
// field, its password reset (the old one no longer signs in, every token revoked); each change in
// the admin log with who and the account before and after, never a password; nonsense refused
// with the field named; an admin cannot lock themselves out; nobody but an admin gets anywhere.
func TestAdminAccounts(t *testing.T) {
	f := newFixture(t, false)
	admin := f.actor(t, "admin")
	acc, pw, err := f.svc.AdminCreateAccount(f.ctx, admin, D.NewAccount{Login: "op3", Name: "受理员三", Role: D.Operator, Unit: "CMD"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(f.ctx, "op3", pw); err != nil || acc.Disabled {
		t.Fatalf("the generated password does not sign in: %v", err)
	}
	if _, _, err := f.svc.AdminCreateAccount(f.ctx, admin, D.NewAccount{Login: "op3", Name: "又一个", Role: D.Operator, Unit: "CMD"}); D.ErrorCode(err) != D.EConflict {
		t.Errorf("creating op3 twice: %v", err)
	}
	for _, c := range []struct {
		n     D.NewAccount
		field string
	}{
		{D.NewAccount{Login: "Bad Login", Name: "x", Role: D.Operator, Unit: "CMD"}, "login"},
		{D.NewAccount{Login: "x1", Name: "x", Role: "mayor", Unit: "CMD"}, "role"},
		{D.NewAccount{Login: "x2", Name: "x", Role: D.Officer, Unit: "CMD"}, "unit"},
		{D.NewAccount{Login: "x3", Name: "x", Role: D.Officer, Unit: "EXT-WS"}, "unit"},
		{D.NewAccount{Login: "x4", Name: "", Role: D.Operator, Unit: "CMD"}, "name"},
		{D.NewAccount{Login: "x5", Name: "x", Role: D.Officer, Unit: "QJ-GN-DD", Certificate: &D.Certificate{Number: "渝1", ValidUntil: "next year"}}, "certificate.valid_until"},
	} {
		if _, _, err := f.svc.AdminCreateAccount(f.ctx, admin, c.n); D.ErrorField(err) != c.field {
			t.Errorf("creating %+v: %v, want an error on %s", c.n, err, c.field)
		}
	}
	tok, _ := f.svc.CreateToken(f.ctx, "op3") // the second, after the sign-in's
	disabled, role, unit := true, D.Officer, "QJ-GN-DD"
	cert := D.CertificatePatch{Set: true, Value: &D.Certificate{Number: "渝执 0099", ValidUntil: "2028-01-01"}}
	acc, n, err := f.svc.AdminUpdateAccount(f.ctx, admin, "op3", D.AccountPatch{Role: &role, Unit: &unit, Certificate: cert, Disabled: &disabled})
	if err != nil || n != 2 || acc.Role != D.Officer || acc.Certificate == nil || !acc.Disabled {
		t.Fatalf("patching op3: %+v, %d tokens revoked, %v", acc, n, err)
	}
	if _, err := f.svc.Authenticate(f.ctx, tok); err == nil {
		t.Error("a disabled account's token still works")
	}
	if _, _, err := f.svc.AdminUpdateAccount(f.ctx, admin, "op3", D.AccountPatch{}); D.ErrorField(err) != "body" {
		t.Errorf("an empty patch: %v", err)
	}
	if _, _, err := f.svc.AdminUpdateAccount(f.ctx, admin, "admin", D.AccountPatch{Disabled: &disabled}); D.ErrorCode(err) != D.EConflict {
		t.Errorf("the admin disabling themselves: %v", err)
	}
	newPW, _, err := f.svc.AdminResetPassword(f.ctx, admin, "lead1")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Login(f.ctx, "lead1", newPW); err != nil {
		t.Errorf("the reset password does not sign in: %v", err)
	}

	log := f.adminLog(t, "op3")
	if len(log) != 2 || log[0].Action != D.AdminAccountUpdate || log[1].Action != D.AdminAccountCreate || log[0].Actor.Login != "admin" {
		t.Fatalf("op3's log: %+v", log)
	}
	var before, after D.Account
	json.Unmarshal(log[0].Before, &before)
	json.Unmarshal(log[0].After, &after)
	if before.Role != D.Operator || after.Role != D.Officer || !after.Disabled || string(log[1].Before) != "null" {
		t.Errorf("op3's update logged %s -> %s", log[0].Before, log[0].After)
	}
	all, _ := f.svc.AdminLog(f.ctx, admin, D.AdminLogFilter{})
	raw, _ := json.Marshal(all)
	if strings.Contains(string(raw), pw) || strings.Contains(string(raw), newPW) || strings.Contains(string(raw), "$2a$") {
		t.Error("the admin log holds a password or its hash")
	}
	for _, login := range []string{"op1", "lead1", "boss", "gn-lead"} {
		someone := f.actor(t, login)
		if _, err := f.svc.AdminAccounts(f.ctx, someone); D.ErrorCode(err) != D.EForbidden {
			t.Errorf("%s listed the accounts: %v", login, err)
		}
		if _, _, err := f.svc.AdminResetPassword(f.ctx, someone, "op1"); D.ErrorCode(err) != D.EForbidden {
			t.Errorf("%s reset a password: %v", login, err)
		}
	}
}

// TestAdminAPIKeys: a key created (answered once, never logged) works for Open311 until the admin
// disables it, and again once enabled; both changes are logged.
func TestAdminAPIKeys(t *testing.T) {
	f := newFixture(t, false)
	admin := f.actor(t, "admin")
	key, view, err := f.svc.AdminCreateAPIKey(f.ctx, admin, "綦江12345热线")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil || len(view.ID) != 12 {
		t.Fatalf("the new key: %v, view %+v", err, view)
	}
	if _, err := f.svc.AdminSetAPIKeyDisabled(f.ctx, admin, view.ID[:8], true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a disabled key: %v", err)
	}
	if v, err := f.svc.AdminSetAPIKeyDisabled(f.ctx, admin, view.ID, false); err != nil || v.Disabled {
		t.Fatalf("enabling: %+v %v", v, err)
	}
	if _, err := f.svc.CheckAPIKey(f.ctx, key); err != nil {
		t.Errorf("the key enabled again: %v", err)
	}
	log := f.adminLog(t, view.ID)
	raw, _ := json.Marshal(log)
	if len(log) != 3 || strings.Contains(string(raw), key) || log[2].Action != D.AdminAPIKeyCreate {
		t.Errorf("the key's log: %s", raw)
	}
	if _, _, err := f.svc.AdminCreateAPIKey(f.ctx, admin, ""); D.ErrorField(err) != "name" {
		t.Errorf("a key without a name: %v", err)
	}
	if _, err := f.svc.AdminAPIKeys(f.ctx, f.actor(t, "disp1")); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a dispatcher listed the keys: %v", err)
	}
}

// TestAdminCalendar: next year's holidays and make-up days entered by the admin are in force at
// once (a holiday is no working day, a make-up Saturday is), logged, and the warning that the
// year ends without them goes; nonsense is refused with the field named.
func TestAdminCalendar(t *testing.T) {
	f := adminFixture(t) // 2026-11-25: 36 days before the year ends
	admin := f.actor(t, "admin")
	if w := f.svc.AdminWarnings(); len(w) != 1 || !strings.Contains(w[0], "2027") {
		t.Fatalf("warnings on 2026-11-25 without 2027: %q", w)
	}
	y2027 := D.CalendarYear{Holidays: [][2]string{{"2027-10-01", "2027-10-07"}, {"2027-01-01", "2027-01-03"}},
		Workdays: []string{"2027-10-09"}}
	view, err := f.svc.AdminPutCalendarYear(f.ctx, admin, "2027", y2027)
	if err != nil {
		t.Fatal(err)
	}
	if !view.Listed || view.Holidays[0][0] != "2027-01-01" {
		t.Errorf("the year as saved: %+v (holidays sorted)", view)
	}
	cal := f.svc.Calendar()
	if cal.IsWorkday(at("2027-10-04 10:00")) || !cal.IsWorkday(at("2027-10-09 10:00")) {
		t.Error("the 2027 calendar is not in force")
	}
	if w := f.svc.AdminWarnings(); len(w) != 0 {
		t.Errorf("warnings with 2027 entered: %q", w)
	}
	if log := f.adminLog(t, "2027"); len(log) != 1 || log[0].Action != D.AdminCalendarPut || !strings.Contains(string(log[0].After), "2027-10-09") {
		t.Errorf("the calendar's log: %+v", log)
	}
	for _, c := range []struct {
		year  string
		y     D.CalendarYear
		field string
	}{
		{"1999", y2027, "year"},
		{"20x7", y2027, "year"},
		{"2040", y2027, "year"},
		{"2027", D.CalendarYear{Holidays: [][2]string{{"2027-10-01", "2027-10-07"}, {"2027-10-05", "2027-10-08"}}}, "holidays"},
		{"2027", D.CalendarYear{Holidays: [][2]string{{"2027-07-01", "2027-08-31"}}}, "holidays"},
		{"2027", D.CalendarYear{Holidays: [][2]string{{"2026-12-31", "2027-01-02"}}}, "holidays"},
		{"2027", D.CalendarYear{Holidays: [][2]string{{"2027-05-05", "2027-05-01"}}}, "holidays"},
		{"2027", D.CalendarYear{Workdays: []string{"2027-10-06"}}, "workdays"}, // a Wednesday
		{"2027", D.CalendarYear{Holidays: [][2]string{{"2027-10-01", "2027-10-10"}}, Workdays: []string{"2027-10-09"}}, "workdays"},
		{"2027", D.CalendarYear{Workdays: []string{"2028-01-08"}}, "workdays"},
		{"2027", D.CalendarYear{Workdays: []string{"2027-10-09", "2027-10-09"}}, "workdays"},
	} {
		if _, err := f.svc.AdminPutCalendarYear(f.ctx, admin, c.year, c.y); D.ErrorField(err) != c.field || !strings.Contains(D.ErrorMessage(err), "(") {
			t.Errorf("%s %+v: %v, want an error on %s", c.year, c.y, err, c.field)
		}
	}
	if log := f.adminLog(t, "2027"); len(log) != 1 {
		t.Errorf("refused changes were logged: %d entries", len(log))
	}
	f.clock.Set(at("2026-10-01 10:00"))
	if _, err := f.svc.AdminPutCalendarYear(f.ctx, admin, "2028", D.CalendarYear{}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AdminCalendarYear(f.ctx, f.actor(t, "lead1"), "2027"); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("a shift leader read the calendar through the admin API: %v", err)
	}
}

// TestAdminCategories: a category's limit and route set by the admin count for the next report
// (the handling deadline, the unit it is dispatched to), the change is logged, and settings out of
// the reference data's bounds are refused with the field named.
func TestAdminCategories(t *testing.T) {
	f := adminFixture(t)
	admin := f.actor(t, "admin")
	set := D.CategorySettings{HandleLimit: D.Limit{Value: 3, Unit: D.WorkHour}, Route: "unit:QJ-ZTDD",
		Extension: &D.ExtensionBound{PerRequest: 2, Total: 4}}
	c, err := f.svc.AdminPutCategory(f.ctx, admin, "0501", set)
	if err != nil {
		t.Fatal(err)
	}
	if c.HandleLimit != set.HandleLimit || c.Route != set.Route || c.Name == "" {
		t.Errorf("the category as saved: %+v", c)
	}
	cs := f.submit(t, "complaint", "0501") // Wednesday 10:00 + 3 work hours = 15:00
	if cs.Unit != "QJ-ZTDD" || !cs.Clocks.Handling.Deadline.Equal(at("2026-11-25 15:00")) {
		t.Errorf("the next report went to %s with deadline %v", cs.Unit, cs.Clocks.Handling.Deadline.In(shanghai))
	}
	if log := f.adminLog(t, "0501"); len(log) != 1 || !strings.Contains(string(log[0].Before), `"territorial"`) ||
		!strings.Contains(string(log[0].After), "QJ-ZTDD") {
		t.Errorf("the category's log: %+v", log)
	}
	for _, c := range []struct {
		set   D.CategorySettings
		field string
	}{
		{D.CategorySettings{HandleLimit: D.Limit{Value: 0, Unit: D.WorkDay}, Route: "territorial"}, "handle_limit"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 400, Unit: D.WorkDay}, Route: "territorial"}, "handle_limit"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: "week"}, Route: "territorial"}, "handle_limit"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: D.WorkDay}, Route: "unit:CMD"}, "route"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: D.WorkDay}, Route: "unit:NOPE"}, "route"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: D.WorkDay}, Route: "nearest"}, "route"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: D.WorkDay}, Route: "territorial", CoHandlers: []string{"QJ-ZTDD", "QJ-ZTDD"}}, "co_handlers"},
		{D.CategorySettings{HandleLimit: D.Limit{Value: 1, Unit: D.WorkDay}, Route: "territorial", Extension: &D.ExtensionBound{PerRequest: 3, Total: 2}}, "extension"},
	} {
		if _, err := f.svc.AdminPutCategory(f.ctx, admin, "0501", c.set); D.ErrorField(err) != c.field {
			t.Errorf("%+v: %v, want an error on %s", c.set, err, c.field)
		}
	}
	if _, err := f.svc.AdminPutCategory(f.ctx, admin, "9999", set); D.ErrorCode(err) != D.ENotFound {
		t.Errorf("an unknown category: %v", err)
	}
}

// TestAdminPlaces: the gazetteer kept by the admin: a place added (its id made up) is found by
// the place search at once, changed, deleted; one outside the district or with a taken id is
// refused; every change is logged.
func TestAdminPlaces(t *testing.T) {
	f := adminFixture(t)
	admin := f.actor(t, "admin")
	p, err := f.svc.AdminPutPlace(f.ctx, admin, D.Place{Name: "古南菜市场", Aliases: []string{"菜市场"}, Kind: "market",
		Point: D.Point{Lat: 29.0210, Lng: 106.6460}}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.ID, "p-") {
		t.Errorf("made-up id %q", p.ID)
	}
	if hits, _ := f.svc.SearchPlaces("菜市场"); len(hits) != 1 || hits[0].ID != p.ID || hits[0].Jurisdiction != "QJ-GN" {
		t.Errorf("search after adding: %+v", hits)
	}
	p.Name = "古南农贸市场"
	if _, err := f.svc.AdminPutPlace(f.ctx, admin, p, false); err != nil {
		t.Fatal(err)
	}
	if hits, _ := f.svc.SearchPlaces("农贸"); len(hits) != 1 {
		t.Errorf("search after renaming: %+v", hits)
	}
	if _, err := f.svc.AdminPutPlace(f.ctx, admin, D.Place{ID: "qj-zx", Name: "x", Kind: "school", Point: guNan}, true); D.ErrorCode(err) != D.EConflict {
		t.Errorf("a taken id: %v", err)
	}
	if _, err := f.svc.AdminPutPlace(f.ctx, admin, D.Place{Name: "天安门", Kind: "landmark", Point: D.Point{Lat: 39.9, Lng: 116.4}}, true); D.ErrorField(err) != "point" {
		t.Errorf("a place in Beijing: %v", err)
	}
	if _, err := f.svc.AdminPutPlace(f.ctx, admin, D.Place{Name: "x", Kind: "castle", Point: guNan}, true); D.ErrorField(err) != "kind" {
		t.Errorf("an unknown kind: %v", err)
	}
	if err := f.svc.AdminDeletePlace(f.ctx, admin, p.ID); err != nil {
		t.Fatal(err)
	}
	if hits, _ := f.svc.SearchPlaces("农贸"); len(hits) != 0 {
		t.Errorf("search after deleting: %+v", hits)
	}
	if err := f.svc.AdminDeletePlace(f.ctx, admin, p.ID); D.ErrorCode(err) != D.ENotFound {
		t.Errorf("deleting twice: %v", err)
	}
	log := f.adminLog(t, p.ID)
	if len(log) != 3 || log[0].Action != D.AdminPlaceDelete || string(log[0].After) != "null" || log[2].Action != D.AdminPlaceCreate {
		t.Errorf("the place's log: %+v", log)
	}
	if err := f.svc.AdminDeletePlace(f.ctx, f.actor(t, "op1"), "qj-zx"); D.ErrorCode(err) != D.EForbidden {
		t.Errorf("an operator deleted a place: %v", err)
	}
}
