package main

import (
	"io/fs"

	consolebuild "cityhub/web/console"
)

// walkTable is the authorization walk's table: one row per route (see authwalk_test.go). The
// logout row comes last, since it ends the walkers' tokens.
func walkTable() []walkRow {
	gnCase := func(suffix string) func(*walkFixture) string {
		return func(f *walkFixture) string { return "/api/v1/cases/" + f.gn.Number + suffix }
	}
	photo := func(suffix string) func(*walkFixture) string {
		return func(f *walkFixture) string { return "/api/v1/media/" + f.photo + suffix }
	}
	public := map[string]int{"*": 200}
	// Pages answer the session cookie only: a bearer token is nobody to them.
	toSignIn := map[string]int{"*": 303}
	rows := []walkRow{
		{pattern: "GET /{$}", path: fixed("/"), body: noBody, want: toSignIn},
		{pattern: "GET /home.css", path: fixed("/home.css"), body: noBody, want: public},
		{pattern: "GET /favicon.ico", path: fixed("/favicon.ico"), body: noBody, want: public},
		{pattern: "GET /docs/{name}", path: fixed("/docs/lifecycle.md"), body: noBody, want: public},
		{pattern: "GET /healthz", path: fixed("/healthz"), body: noBody, want: public},
		{pattern: "GET /metrics", path: fixed("/metrics"), body: noBody, want: public},
		{pattern: "GET /api/v1/openapi.json", path: fixed("/api/v1/openapi.json"), body: noBody, want: public},
		{pattern: "GET /login", path: fixed("/login"), body: noBody, want: public},
		// The citizens' web form and status page, and its map's outline: anyone's.
		{pattern: "GET /report", path: fixed("/report"), body: noBody, want: public},
		{pattern: "GET /track", path: fixed("/track"), body: noBody, want: public},
		{pattern: "GET /report/api/district", path: fixed("/report/api/district"), body: noBody, want: public},
		// Without the form's CSRF value a sign-in is refused, whoever sends it.
		{pattern: "POST /login", path: fixed("/login"), body: noBody, want: map[string]int{"*": 403}},
		{pattern: "POST /api/v1/login", path: fixed("/api/v1/login"), want: public,
			body: fixed(`{"login":"boss","password":"secret-pw"}`)},
		{pattern: "GET /api/v1/me", path: fixed("/api/v1/me"), body: noBody, want: signedIn(200)},
		{pattern: "GET /api/v1/reference", path: fixed("/api/v1/reference"), body: noBody, want: signedIn(200)},
		{pattern: "GET /api/v1/jurisdictions", path: fixed("/api/v1/jurisdictions"), body: noBody, want: signedIn(200)},
		{pattern: "GET /api/v1/cases", path: fixed("/api/v1/cases"), body: noBody, want: signedIn(200), filtered: unitScoped},
		{pattern: "GET /api/v1/cases/{number}", path: gnCase(""), body: noBody, want: caseRoute(200, nil)},
		{pattern: "GET /api/v1/cases/{number}/events", path: gnCase("/events"), body: noBody, want: caseRoute(200, nil)},
		{pattern: "GET /api/v1/cases/{number}/notices", path: gnCase("/notices"), body: noBody, want: caseRoute(200, nil)},
		{pattern: "GET /api/v1/cases/{number}/reporters", path: gnCase("/reporters"), body: noBody, want: caseRoute(200, nil)},
		// The hotline: the call log for the intake desk and the leaders; callers and the block list
		// for those who take calls; the ring only with a telephone system connected (503 here).
		{pattern: "GET /api/v1/calls", path: fixed("/api/v1/calls"), body: noBody, want: only(200, 403, "op1", "lead1", "boss")},
		{pattern: "GET /api/v1/calls/measures", path: fixed("/api/v1/calls/measures"), body: noBody, want: only(200, 403, "op1", "lead1", "boss")},
		{pattern: "GET /api/v1/calls/live", path: fixed("/api/v1/calls/live"), body: noBody, want: only(503, 403, "op1", "lead1")},
		{pattern: "GET /api/v1/callers/{phone}", path: fixed("/api/v1/callers/13900002222"), body: noBody, want: only(200, 403, "op1", "lead1")},
		{pattern: "GET /api/v1/blocklist", path: fixed("/api/v1/blocklist"), body: noBody, want: only(200, 403, "op1", "lead1")},
		{pattern: "POST /api/v1/blocklist", path: fixed("/api/v1/blocklist"), want: only(201, 403, "lead1"),
			body: fixed(`{"phone":"13900009999","reason":"走访"}`)},
		{pattern: "DELETE /api/v1/blocklist/{phone}", path: fixed("/api/v1/blocklist/13900000000"), body: noBody, want: only(404, 403, "lead1")},
		// Measures are the centre's and the leaders': a street team is measured, it does not read them here.
		{pattern: "GET /api/v1/measures", path: fixed("/api/v1/measures"), body: noBody, want: only(200, 403, centre...)},
		{pattern: "GET /api/v1/measures/series", path: fixed("/api/v1/measures/series?dim=channel&interval=month&period=year"), body: noBody, want: only(200, 403, centre...)},
		{pattern: "GET /api/v1/measures/cases", path: fixed("/api/v1/measures/cases?measure=received&period=month"), body: noBody, want: only(200, 403, centre...)},
		{pattern: "GET /api/v1/measures/accountability", path: fixed("/api/v1/measures/accountability?period=month"), body: noBody, want: only(200, 403, centre...)},
		// Allowed to everyone signed in (400: this call is not a websocket upgrade); the stream's own
		// tests check that each unit receives only its cases.
		{pattern: "GET /api/v1/stream", path: fixed("/api/v1/stream"), body: noBody, want: signedIn(400)},
		{pattern: "GET /api/v1/media/{sha256}", path: photo(""), body: noBody, want: caseRoute(200, nil)},
		{pattern: "GET /api/v1/media/{sha256}/thumbnail", path: photo("/thumbnail"), body: noBody, want: caseRoute(200, nil)},
		{pattern: "POST /api/v1/media", path: fixed("/api/v1/media"), body: noBody, want: signedIn(415)},
		// Reports are logged by the centre's intake: operators, shift leaders, dispatchers, inspectors.
		{pattern: "POST /api/v1/complaints", path: fixed("/api/v1/complaints"), want: only(201, 403, "op1", "lead1", "disp1", "insp1"),
			body: fixed(`{"category":"0501","lat":28.95,"lng":106.60,"text":"走访上报"}`)},
		// A note: anyone who sees the case but the admin, who administers and does not handle cases.
		{pattern: "POST /api/v1/cases/{number}/actions", path: gnCase("/actions"), want: caseRoute(200, map[string]int{"admin": 403}),
			body: fixed(`{"action":"note","text":"走访备注"}`)},
		// Revealing a contact: not the legal reviewer, not the admin (README, "Reporter contacts").
		{pattern: "POST /api/v1/cases/{number}/contact", path: gnCase("/contact"), want: caseRoute(200, map[string]int{"legal1": 403, "admin": 403}),
			body: fixed(`{"reason":"回访核实"}`)},
		{pattern: "GET /api/v1/console/snapshot", path: fixed("/api/v1/console/snapshot"), body: noBody, want: signedIn(200), filtered: unitScoped},
		{pattern: "GET /api/v1/places", path: fixed("/api/v1/places?q=%E5%8F%A4%E5%8D%97"), body: noBody, want: signedIn(200)},
		{pattern: "GET /api/v1/route", path: fixed("/api/v1/route?lat=28.95&lng=106.60&category=0501"), body: noBody, want: signedIn(200)},
		{pattern: "GET /api/v1/cases/nearby", path: fixed("/api/v1/cases/nearby?lat=28.95&lng=106.60&category=0501"), body: noBody, want: signedIn(200), filtered: nearbyScoped},
		// The hot-spot map is the centre's and the leaders', like the measures.
		{pattern: "GET /api/v1/hotspots", path: fixed("/api/v1/hotspots?res=9&period=today"), body: noBody, want: only(200, 403, centre...)},
		{pattern: "GET /api/v1/hotspots/{cell}/cases", body: noBody, want: only(200, 403, centre...),
			path: func(f *walkFixture) string { return "/api/v1/hotspots/" + f.gn.Routing.Cell + "/cases" }},
		// The display screen: a display token reaches its page, data and stream and nothing else
		// (every other row gives it nobody's answer); the centre and leaders may watch it too. The
		// stream answers 400 to those it lets through: this call is not a websocket upgrade.
		{pattern: "GET /api/v1/screen", path: fixed("/api/v1/screen"), body: noBody, want: screenRoute(200)},
		{pattern: "GET /api/v1/screen/jurisdictions", path: fixed("/api/v1/screen/jurisdictions"), body: noBody, want: screenRoute(200)},
		{pattern: "GET /api/v1/screen/stream", path: fixed("/api/v1/screen/stream"), body: noBody, want: screenRoute(400)},
		// The page answers the display cookie or a session: a bearer token is nobody to it.
		{pattern: "GET /screen", path: fixed("/screen"), body: noBody, want: map[string]int{"*": 401, "display": screenPageStatus()}},
		{pattern: "GET /console/assets/{name}", path: fixed("/console/assets/none.js"), body: noBody, want: map[string]int{"*": 404}},
		{pattern: "GET /console/{$}", path: fixed("/console/"), body: noBody, want: toSignIn},
		{pattern: "GET /console/{rest...}", path: fixed("/console/dispatch"), body: noBody, want: toSignIn},
	}
	rows = append(rows, adminRows()...)
	return append(rows,
		walkRow{pattern: "POST /logout", path: fixed("/logout"), body: noBody, want: toSignIn},
		walkRow{pattern: "POST /api/v1/logout", path: fixed("/api/v1/logout"), body: noBody, want: signedIn(204)})
}

// adminRows: the admin API answers the admin alone; everyone else signed in gets 403. The admin's
// writes are sent once each, with bodies that are either valid or refused on their content (400,
// 404), which shows that the admin got past the role check.
func adminRows() []walkRow {
	admin := func(status int) map[string]int { return only(status, 403, "admin") }
	row := func(pattern, path, body string, status int) walkRow {
		return walkRow{pattern: pattern, path: fixed(path), body: fixed(body), want: admin(status)}
	}
	return []walkRow{
		row("GET /api/v1/admin/accounts", "/api/v1/admin/accounts", "", 200),
		row("POST /api/v1/admin/accounts", "/api/v1/admin/accounts", `{"login":"walk-op","name":"走访受理员","role":"operator","unit":"CMD"}`, 201),
		row("PATCH /api/v1/admin/accounts/{login}", "/api/v1/admin/accounts/op2", `{"name":"受理员二"}`, 200),
		row("POST /api/v1/admin/accounts/{login}/password", "/api/v1/admin/accounts/op2/password", "", 200),
		row("GET /api/v1/admin/apikeys", "/api/v1/admin/apikeys", "", 200),
		row("POST /api/v1/admin/apikeys", "/api/v1/admin/apikeys", `{"name":"走访"}`, 201),
		row("PATCH /api/v1/admin/apikeys/{id}", "/api/v1/admin/apikeys/nosuchkey", `{"disabled":true}`, 400),
		row("GET /api/v1/admin/calendar/{year}", "/api/v1/admin/calendar/2026", "", 200),
		row("PUT /api/v1/admin/calendar/{year}", "/api/v1/admin/calendar/2027", `{"holidays":[["2027-13-01","2027-13-02"]],"workdays":[]}`, 400),
		row("GET /api/v1/admin/categories", "/api/v1/admin/categories", "", 200),
		row("GET /api/v1/admin/categories/{code}", "/api/v1/admin/categories/0501", "", 200),
		row("PUT /api/v1/admin/categories/{code}", "/api/v1/admin/categories/0501", `{"handle_limit":{"value":0,"unit":"work_day"},"route":"territorial"}`, 400),
		row("GET /api/v1/admin/places", "/api/v1/admin/places", "", 200),
		row("POST /api/v1/admin/places", "/api/v1/admin/places", `{"name":""}`, 400),
		row("PUT /api/v1/admin/places/{id}", "/api/v1/admin/places/nosuchplace", `{"name":"无此地"}`, 400),
		row("DELETE /api/v1/admin/places/{id}", "/api/v1/admin/places/nosuchplace", "", 404),
		row("GET /api/v1/admin/campaigns", "/api/v1/admin/campaigns", "", 200),
		row("PUT /api/v1/admin/campaigns", "/api/v1/admin/campaigns", `{"campaigns":[{"id":"walk","name":"","from":"2026-01-01","to":"2026-01-31"}]}`, 400),
		row("GET /api/v1/admin/log", "/api/v1/admin/log", "", 200),
		row("GET /api/v1/admin/displays", "/api/v1/admin/displays", "", 200),
		row("POST /api/v1/admin/displays", "/api/v1/admin/displays", `{"name":"走访二号屏"}`, 201),
		row("PATCH /api/v1/admin/displays/{name}", "/api/v1/admin/displays/nosuch", `{"disabled":true}`, 404),
	}
}

// screenRoute: the display screen's API answers ok to a display token, the centre and leaders,
// 403 to the street teams, 401 to nobody.
func screenRoute(ok int) map[string]int {
	m := only(ok, 403, centre...)
	m["display"] = ok
	return m
}

// screenPageStatus is what /screen answers a display: the page when the console build has it,
// else 503 saying so.
func screenPageStatus() int {
	if files := consolebuild.Files(); files != nil {
		if _, err := fs.Stat(files, "screen.html"); err == nil {
			return 200
		}
	}
	return 503
}
