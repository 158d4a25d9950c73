package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

// newAdminHub is newAPIHub with the reference data in the store, as a hub has it.
func newAdminHub(t *testing.T) *apiHub {
	t.Helper()
	h := newAPIHub(t)
	if err := h.svc.Store().SaveReference(context.Background(), h.svc.Reference()); err != nil {
		t.Fatal(err)
	}
	return h
}

// adminCalls are one call of every admin route, with the status an admin gets.
var adminCalls = []struct {
	method, path string
	body         any
	status       int
}{
	{"GET", "/api/v1/admin/accounts", nil, 200},
	{"POST", "/api/v1/admin/accounts", map[string]any{"login": "op7", "name": "受理员七", "role": "operator", "unit": "CMD"}, 201},
	{"PATCH", "/api/v1/admin/accounts/op7", map[string]any{"name": "受理员七号"}, 200},
	{"POST", "/api/v1/admin/accounts/op7/password", nil, 200},
	{"GET", "/api/v1/admin/apikeys", nil, 200},
	{"POST", "/api/v1/admin/apikeys", map[string]any{"name": "綦江12345"}, 201},
	{"GET", "/api/v1/admin/calendar/2027", nil, 200},
	{"PUT", "/api/v1/admin/calendar/2027", map[string]any{"holidays": [][2]string{{"2027-10-01", "2027-10-07"}}, "workdays": []string{"2027-10-09"}}, 200},
	{"GET", "/api/v1/admin/categories", nil, 200},
	{"GET", "/api/v1/admin/categories/0501", nil, 200},
	{"PUT", "/api/v1/admin/categories/0501", map[string]any{"handle_limit": map[string]any{"value": 3, "unit": "work_hour"}, "route": "territorial"}, 200},
	{"GET", "/api/v1/admin/places", nil, 200},
	{"POST", "/api/v1/admin/places", map[string]any{"id": "gn-csc", "name": "古南菜市场", "kind": "market", "point": map[string]float64{"lat": 29.021, "lng": 106.646}}, 201},
	{"PUT", "/api/v1/admin/places/gn-csc", map[string]any{"name": "古南农贸市场", "kind": "market", "point": map[string]float64{"lat": 29.021, "lng": 106.646}}, 200},
	{"DELETE", "/api/v1/admin/places/gn-csc", nil, 200},
	{"GET", "/api/v1/admin/log", nil, 200},
}

// TestAdminRoutesAreTheAdmins: every admin route refuses every other role with 403 and changes
// nothing; the admin gets each answered, as an object with its warnings, and the admin log then
// holds one entry per change.
func TestAdminRoutesAreTheAdmins(t *testing.T) {
	h := newAdminHub(t)
	for _, login := range []string{"op1", "lead1", "disp1", "insp1", "legal1", "boss", "gn-lead", "gn-1", "gn-aux"} {
		for _, c := range adminCalls {
			if status, raw := h.call(login, c.method, c.path, c.body); status != 403 {
				t.Errorf("%s %s as %s: %d %s, want 403", c.method, c.path, login, status, raw)
			}
		}
	}
	changes := 0
	for _, c := range adminCalls {
		raw := h.mustCall("admin", c.method, c.path, c.body, c.status)
		var out map[string]any
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		if _, ok := out["warnings"].([]any); !ok {
			t.Errorf("%s %s: no warnings list: %s", c.method, c.path, raw)
		}
		if c.method != "GET" {
			changes++
		}
	}
	var log struct{ Entries []dispatcher.AdminEntry }
	if err := json.Unmarshal(h.mustCall("admin", "GET", "/api/v1/admin/log?limit=100", nil, 200), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Entries) != changes {
		t.Errorf("%d entries in the admin log after %d changes", len(log.Entries), changes)
	}
}

// TestAdminAccountsAPI: a created account's password is answered once, not cached, and signs in;
// a patch takes a certificate away with null and disables the account (revoking its tokens); a
// reset password replaces the old one; bad input names the field.
func TestAdminAccountsAPI(t *testing.T) {
	h := newAdminHub(t)
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/admin/accounts", strings.NewReader(
		`{"login":"gn-3","name":"执法队员三","role":"officer","unit":"QJ-GN-DD","certificate":{"number":"渝执 0103","valid_until":"2028-06-30"}}`))
	req.Header.Set("Authorization", "Bearer "+h.token("admin"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		Account  dispatcher.Account
		Password string
	}
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != 201 || resp.Header.Get("Cache-Control") != "no-store" || len(created.Password) < 16 {
		t.Fatalf("creating: %d, Cache-Control %q, password %q", resp.StatusCode, resp.Header.Get("Cache-Control"), created.Password)
	}
	if _, _, err := h.svc.Login(context.Background(), "gn-3", created.Password); err != nil {
		t.Errorf("the answered password does not sign in: %v", err)
	}
	h.token("gn-3")
	var patched struct {
		Account       dispatcher.Account
		TokensRevoked int `json:"tokens_revoked"`
	}
	json.Unmarshal(h.mustCall("admin", "PATCH", "/api/v1/admin/accounts/gn-3", `{"certificate":null,"disabled":true}`, 200), &patched)
	if patched.Account.Certificate != nil || !patched.Account.Disabled || patched.TokensRevoked != 2 {
		t.Errorf("patched: %+v", patched)
	}
	var reset struct {
		Password string
	}
	json.Unmarshal(h.mustCall("admin", "POST", "/api/v1/admin/accounts/lead1/password", nil, 200), &reset)
	if _, _, err := h.svc.Login(context.Background(), "lead1", reset.Password); err != nil {
		t.Errorf("the reset password does not sign in: %v", err)
	}
	for body, field := range map[string]string{
		`{"login":"x9","name":"x","role":"officer","unit":"CMD"}`:         "unit",
		`{"login":"x9","name":"x","role":"operator","unit":"CMD","pw":1}`: "pw",
		`{"login":"x9","name":"x","role":"operator"}`:                     "unit",
	} {
		if p := decodeInto[problem](t, h.mustCall("admin", "POST", "/api/v1/admin/accounts", body, 400)); p.Field != field {
			t.Errorf("%s: field %q (%s), want %s", body, p.Field, p.Detail, field)
		}
	}
	if p := decodeInto[problem](t, h.mustCall("admin", "PATCH", "/api/v1/admin/accounts/gn-3", `{"certificate":{"number":"1","until":"x"}}`, 400)); p.Field != "certificate" {
		t.Errorf("a certificate with a wrong field: %+v", p)
	}
	h.mustCall("admin", "PATCH", "/api/v1/admin/accounts/nobody", `{"name":"x"}`, 404)
	h.mustCall("admin", "PATCH", "/api/v1/admin/accounts/admin", `{"role":"operator"}`, 409)
}

// TestAdminAPIKeysAPI: a key is answered once at creation; it is disabled and enabled by its id;
// a patch without disabled is refused.
func TestAdminAPIKeysAPI(t *testing.T) {
	h := newAdminHub(t)
	var created struct {
		APIKey dispatcher.APIKeyView `json:"api_key"`
		Key    string
	}
	json.Unmarshal(h.mustCall("admin", "POST", "/api/v1/admin/apikeys", `{"name":"微信公众号"}`, 201), &created)
	if _, err := h.svc.CheckAPIKey(context.Background(), created.Key); err != nil {
		t.Fatalf("the answered key: %v", err)
	}
	h.mustCall("admin", "PATCH", "/api/v1/admin/apikeys/"+created.APIKey.ID, `{"disabled":true}`, 200)
	if _, err := h.svc.CheckAPIKey(context.Background(), created.Key); err == nil {
		t.Error("a disabled key still works")
	}
	var list struct {
		APIKeys []map[string]any `json:"api_keys"`
	}
	json.Unmarshal(h.mustCall("admin", "GET", "/api/v1/admin/apikeys", nil, 200), &list)
	if len(list.APIKeys) != 1 || list.APIKeys[0]["disabled"] != true || list.APIKeys[0]["hash"] != nil {
		t.Errorf("the keys listed: %v", list.APIKeys)
	}
	h.mustCall("admin", "PATCH", "/api/v1/admin/apikeys/"+created.APIKey.ID, `{}`, 400)
	h.mustCall("admin", "PATCH", "/api/v1/admin/apikeys/0000000000", `{"disabled":false}`, 404)
}

// TestAdminReferenceAPI: calendar, categories and places through HTTP: nonsense refused with the
// field named, a place given in GCJ-02 kept in WGS-84, the warnings gone once next year is in.
func TestAdminReferenceAPI(t *testing.T) {
	h := newAdminHub(t)
	var cal struct {
		Calendar dispatcher.CalendarYearView
		Warnings []string
	}
	json.Unmarshal(h.mustCall("admin", "GET", "/api/v1/admin/calendar/2027", nil, 200), &cal)
	if cal.Calendar.Listed || len(cal.Warnings) != 1 { // the hub's clock: 2026-11-25
		t.Errorf("2027 before it is entered: %+v", cal)
	}
	json.Unmarshal(h.mustCall("admin", "PUT", "/api/v1/admin/calendar/2027", `{"holidays":[["2027-01-01","2027-01-03"]],"workdays":[]}`, 200), &cal)
	if !cal.Calendar.Listed || len(cal.Warnings) != 0 {
		t.Errorf("2027 entered: %+v", cal)
	}
	for path, c := range map[string]struct{ body, field string }{
		"/api/v1/admin/calendar/1066":   {`{"holidays":[],"workdays":[]}`, "year"},
		"/api/v1/admin/calendar/2027":   {`{"holidays":[["2027-02-30","2027-03-01"]],"workdays":[]}`, "holidays"},
		"/api/v1/admin/categories/0501": {`{"handle_limit":{"value":2,"unit":"fortnight"},"route":"territorial"}`, "handle_limit"},
		"/api/v1/admin/places/qj-zx":    {`{"name":"綦江中学","kind":"school","point":{"lat":91,"lng":106.6}}`, "lat"},
	} {
		if p := decodeInto[problem](t, h.mustCall("admin", "PUT", path, c.body, 400)); p.Field != c.field {
			t.Errorf("PUT %s %s: field %q (%s), want %s", path, c.body, p.Field, p.Detail, c.field)
		}
	}
	var placed struct{ Place dispatcher.Place }
	json.Unmarshal(h.mustCall("admin", "POST", "/api/v1/admin/places",
		`{"name":"綦江体育馆","kind":"landmark","datum":"gcj02","point":{"lat":29.0175,"lng":106.6510}}`, 201), &placed)
	if placed.Place.Point.Lat == 29.0175 || placed.Place.ID == "" {
		t.Errorf("a GCJ-02 place kept as given: %+v", placed.Place)
	}
	h.mustCall("admin", "PUT", "/api/v1/admin/places/qj-zx", `{"id":"qj-gy","name":"x","kind":"school","point":{"lat":29.0,"lng":106.6}}`, 400)
	h.mustCall("admin", "GET", "/api/v1/admin/log?action=bogus", nil, 400)
	h.mustCall("admin", "GET", "/api/v1/admin/log?since=1", nil, 400)
}
