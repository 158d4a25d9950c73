package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

// The authorization walk (issue 12, item 9): every route the hub answers, called by every kind of
// person (each role of the command centre, a member of 古南's team and one of 三江's, and nobody),
// with the answer each must get: allowed, refused, or allowed but filtered to the caller's unit.
// A route the table does not name fails the test, so a new route cannot go unwalked: add a row to
// walkTable (its pattern exactly as the server lists it, the path to call with the fixture's
// values, and who gets what).
//
// CITYHUB_WALK_PRINT=1 prints the matrix of statuses actually answered.

// walkers are the callers, by demo login ("" is nobody signed in; "display" is a display screen,
// with its display cookie and no account).
var walkers = []string{"", "op1", "lead1", "disp1", "insp1", "legal1", "boss", "admin", "gn-1", "sj-1", "display"}

// walkFixture is what the walk's requests name: a case of 古南 and one of 三江 filed by an
// operator, and a photo attached to 古南's case.
type walkFixture struct {
	gn, sj dispatcher.Case
	photo  string
}

// walkRow is one route: how to call it and the status each walker must get.
type walkRow struct {
	pattern string
	path    func(f *walkFixture) string
	body    func(f *walkFixture) string // JSON, or "" for none
	want    map[string]int              // by walker; "*" for everyone not listed
	// filtered checks a 200 answer's content for a walker (the unit scope), when set.
	filtered func(t *testing.T, f *walkFixture, who string, body []byte)
}

func (r walkRow) expect(who string) int {
	if s, ok := r.want[who]; ok {
		return s
	}
	if s, ok := r.want[""]; ok && who == "display" {
		return s // a display token is nobody, but where a row says otherwise
	}
	return r.want["*"]
}

func fixed(p string) func(*walkFixture) string { return func(*walkFixture) string { return p } }

func noBody(*walkFixture) string { return "" }

// everyone signed in gets ok, nobody gets 401.
func signedIn(ok int) map[string]int { return map[string]int{"*": ok, "": 401} }

// only the listed walkers get ok; other signed-in walkers get refused, nobody 401.
func only(ok, refused int, who ...string) map[string]int {
	m := map[string]int{"*": refused, "": 401}
	for _, w := range who {
		m[w] = ok
	}
	return m
}

// centre are the command centre's people; gnTeam and sjTeam the street teams' members walked.
var centre = []string{"op1", "lead1", "disp1", "insp1", "legal1", "boss", "admin"}

// caseRoute: a case route for 古南's case: the centre and 古南 see it, 三江 gets the 404 of a case
// that does not exist.
func caseRoute(ok int, extra map[string]int) map[string]int {
	m := only(ok, 404, append(slices.Clone(centre), "gn-1")...)
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func startWalk(t *testing.T) (*hub, *walkFixture, map[string]string) {
	h := startHub(t)
	tokens := map[string]string{"": ""}
	for _, w := range walkers[1 : len(walkers)-1] { // not the display
		tokens[w] = h.login(w)
	}
	var display struct{ Token string }
	h.do("POST", "/api/v1/admin/displays", tokens["admin"], map[string]string{"name": "走访大厅屏"}, 201, &display)
	tokens["display"] = displayPrefix + display.Token
	f := &walkFixture{}
	var up uploaded
	h.upload(tokens["op1"], photo(t), 201, &up)
	f.photo = up.Media.SHA256
	var created struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/complaints", tokens["op1"], map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"text": "古南占道经营", "media": []string{f.photo}, "reporter": map[string]string{"name": "王五", "phone": "13900002222"}}, 201, &created)
	f.gn = created.Case
	h.do("POST", "/api/v1/complaints", tokens["op1"], map[string]any{"category": "0501", "lat": 28.94, "lng": 106.67,
		"text": "三江占道经营"}, 201, &created)
	f.sj = created.Case
	if f.gn.Unit != "QJ-GN-DD" || f.sj.Unit != "QJ-SJ-DD" {
		t.Fatalf("fixture routed to %s and %s", f.gn.Unit, f.sj.Unit)
	}
	return h, f, tokens
}

// displayPrefix marks the display walker's token: sent as the display cookie, not a bearer.
const displayPrefix = "display:"

// call sends one request of the walk and answers the status and body.
func (h *hub) call(method, path, token, body string) (int, []byte) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, h.base+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if tok, ok := strings.CutPrefix(token, displayPrefix); ok {
		req.AddCookie(&http.Cookie{Name: "cityhub_display", Value: tok})
		req.Header.Set("Origin", h.base) // the screen's page opens its stream from the hub's origin
	} else if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

func TestAuthorizationWalk(t *testing.T) {
	h, f, tokens := startWalk(t)
	table := walkTable()
	byPattern := map[string]walkRow{}
	for _, r := range table {
		byPattern[r.pattern] = r
	}
	for _, p := range h.m.web.RoutePatterns() {
		if _, ok := byPattern[p]; !ok {
			t.Errorf("route %q is not in the authorization walk: add a row to walkTable", p)
		}
	}
	printing := os.Getenv("CITYHUB_WALK_PRINT") != ""
	for _, r := range table {
		method, _, _ := strings.Cut(r.pattern, " ")
		var got []string
		for _, who := range walkers {
			status, body := h.call(method, r.path(f), tokens[who], r.body(f))
			got = append(got, fmt.Sprintf("%s=%d", label(who), status))
			if want := r.expect(who); status != want && !printing {
				t.Errorf("%s as %s: %d, want %d: %.200s", r.pattern, label(who), status, want, body)
			}
			if status == 200 && r.filtered != nil {
				r.filtered(t, f, who, body)
			}
		}
		if printing {
			t.Logf("%-45s %s", r.pattern, strings.Join(got, " "))
		}
	}
}

func label(who string) string {
	if who == "" {
		return "nobody"
	}
	return who
}

// listed reports which of the fixture's case numbers a list answer contains.
func listed(t *testing.T, body []byte, numbers ...string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, n := range numbers {
		out[n] = bytes.Contains(body, []byte(`"`+n+`"`))
	}
	return out
}

// unitScoped checks that 古南's member sees 古南's case and not 三江's, and 三江's the other way round.
func unitScoped(t *testing.T, f *walkFixture, who string, body []byte) {
	t.Helper()
	seen := listed(t, body, f.gn.Number, f.sj.Number)
	switch who {
	case "gn-1":
		if !seen[f.gn.Number] || seen[f.sj.Number] {
			t.Errorf("gn-1's list: 古南 %v 三江 %v, want only 古南's", seen[f.gn.Number], seen[f.sj.Number])
		}
	case "sj-1":
		if seen[f.gn.Number] || !seen[f.sj.Number] {
			t.Errorf("sj-1's list: 古南 %v 三江 %v, want only 三江's", seen[f.gn.Number], seen[f.sj.Number])
		}
	}
}

// nearbyScoped: a street team's member hears of nearby cases of its own unit only.
func nearbyScoped(t *testing.T, f *walkFixture, who string, body []byte) {
	t.Helper()
	if who == "sj-1" && listed(t, body, f.gn.Number)[f.gn.Number] {
		t.Errorf("sj-1 is told of 古南's case %s nearby", f.gn.Number)
	}
}
