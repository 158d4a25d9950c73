package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// browser is an HTTP client with a cookie jar that does not follow redirects, so that a test sees
// each 303 and its Location.
type browser struct {
	t      *testing.T
	h      *hub
	client *http.Client
}

func newBrowser(h *hub) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: h.t, h: h, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) send(req *http.Request) (int, http.Header, string) {
	b.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(body)
}

func (b *browser) get(path string) (int, http.Header, string) {
	req, _ := http.NewRequest("GET", b.h.base+path, nil)
	return b.send(req)
}

func (b *browser) postForm(path string, form url.Values, header map[string]string) (int, http.Header, string) {
	req, _ := http.NewRequest("POST", b.h.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return b.send(req)
}

func (b *browser) postJSON(path, body, csrf string) (int, string) {
	req, _ := http.NewRequest("POST", b.h.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	status, _, out := b.send(req)
	return status, out
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// signIn fills the sign-in form as a person would: open /login, post the form with its hidden field.
func (b *browser) signIn(login, password, next string) (int, http.Header, string) {
	b.t.Helper()
	status, _, page := b.get("/login")
	m := csrfField.FindStringSubmatch(page)
	if status != 200 || m == nil {
		b.t.Fatalf("GET /login: %d, csrf field found: %v", status, m != nil)
	}
	for _, name := range []string{`name="login"`, `name="password"`} {
		if !strings.Contains(page, name) {
			b.t.Fatalf("the sign-in form has no input %s", name)
		}
	}
	return b.postForm("/login", url.Values{"login": {login}, "password": {password}, "csrf": {m[1]}, "next": {next}}, nil)
}

func (b *browser) csrf() string {
	b.t.Helper()
	status, _, body := b.get("/api/v1/me")
	m := regexp.MustCompile(`"csrf_token":"([^"]+)"`).FindStringSubmatch(body)
	if status != 200 || m == nil {
		b.t.Fatalf("GET /api/v1/me: %d %s", status, body)
	}
	return m[1]
}

// Each role lands on its own console straight after signing in; / sends a signed-out visitor to
// /login and a signed-in one to the console.
func TestBrowserSignInLandsOnTheConsole(t *testing.T) {
	h := startHub(t)
	for login, console := range map[string]string{"op1": "/console/operator", "disp1": "/console/dispatch",
		"lead1": "/console/dispatch", "legal1": "/console/dispatch", "gn-1": "/console/team", "gn-lead": "/console/team",
		"insp1": "/console/inspector", "boss": "/console/leader", "admin": "/console/admin"} {
		b := newBrowser(h)
		if status, hdr, _ := b.get("/"); status != 303 || hdr.Get("Location") != "/login" {
			t.Errorf("%s signed out: GET / = %d %s", login, status, hdr.Get("Location"))
		}
		status, hdr, _ := b.signIn(login, "secret-pw", "")
		if status != 303 || hdr.Get("Location") != console {
			t.Errorf("%s: sign-in = %d to %q, want 303 to %s", login, status, hdr.Get("Location"), console)
		}
		var cookie string
		for _, c := range hdr.Values("Set-Cookie") {
			if strings.HasPrefix(c, "cityhub_session=") {
				cookie = c
			}
		}
		if status, hdr, _ := b.get("/"); status != 303 || hdr.Get("Location") != console {
			t.Errorf("%s signed in: GET / = %d %s", login, status, hdr.Get("Location"))
		}
		for _, want := range []string{"cityhub_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(cookie, want) {
				t.Errorf("%s: the session cookie %q lacks %s", login, cookie, want)
			}
		}
	}
}

func TestBrowserSignInRefusals(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	status, _, page := b.signIn("op1", "wrong-password", "")
	if status != 401 || !strings.Contains(page, `class="error"`) || strings.Contains(page, "secret-pw") {
		t.Errorf("wrong password: %d", status)
	}
	if status, _, _ := b.get("/api/v1/me"); status != 401 {
		t.Errorf("after a failed sign-in /api/v1/me = %d", status)
	}
	// A form posted without the page's CSRF value (another site's form) is refused.
	status, _, _ = newBrowser(h).postForm("/login", url.Values{"login": {"op1"}, "password": {"secret-pw"}}, nil)
	if status != 403 {
		t.Errorf("sign-in without the form's CSRF value: %d, want 403", status)
	}
	// next goes only to this hub's own paths.
	for next, want := range map[string]string{"/console/dispatch?x=1": "/console/dispatch?x=1",
		"https://evil.example/": "/console/operator", "//evil.example/": "/console/operator", "/\\evil": "/console/operator"} {
		_, hdr, _ := newBrowser(h).signIn("op1", "secret-pw", next)
		if got := hdr.Get("Location"); got != want {
			t.Errorf("next %q: went to %q, want %q", next, got, want)
		}
	}
}

// A console page needs a session: without one it sends the browser to sign in and back.
func TestConsolePagesNeedASession(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	status, hdr, _ := b.get("/console/dispatch")
	if status != 303 || hdr.Get("Location") != "/login?next=%2Fconsole%2Fdispatch" {
		t.Fatalf("signed out: %d %s", status, hdr.Get("Location"))
	}
	b.signIn("disp1", "secret-pw", "/console/dispatch")
	if status, _, _ := b.get("/console/dispatch"); status != 200 && status != 503 { // 503: built without the front end
		t.Errorf("signed in: %d", status)
	}
}

// A change made with the session cookie needs the session's CSRF token; bearer tokens need none.
func TestCookieRequestsNeedTheCSRFToken(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	b.signIn("op1", "secret-pw", "")
	report := `{"category":"0102","text":"小区门口垃圾堆积","lat":29.0285,"lng":106.6513,"reporter":{"name":"张三","phone":"13800000000"}}`
	before := h.caseCount()
	for _, bad := range []string{"", "not-the-token"} {
		if status, body := b.postJSON("/api/v1/complaints", report, bad); status != 403 {
			t.Errorf("CSRF %q: %d %s", bad, status, body)
		}
	}
	if h.caseCount() != before {
		t.Fatal("a refused request filed a case")
	}
	if status, body := b.postJSON("/api/v1/complaints", report, b.csrf()); status != 201 {
		t.Errorf("with the CSRF token: %d %s", status, body)
	}
	// An API client with its bearer token is not asked for one.
	h.do("POST", "/api/v1/complaints", h.login("op1"), report, 201, nil)
}

// The stream takes the cookie only from the hub's own pages (Origin), never from another site's.
func TestStreamCookieNeedsTheHubsOrigin(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	b.signIn("disp1", "secret-pw", "")
	u, _ := url.Parse(h.base)
	header := http.Header{"Cookie": {cookieHeader(b, u)}}
	wsURL := "ws://" + u.Host + "/api/v1/stream?since=0"
	for origin, want := range map[string]int{"http://evil.example": 403, "": 403, h.base: 101} {
		hdr := header.Clone()
		if origin != "" {
			hdr.Set("Origin", origin)
		}
		conn, res, _ := websocket.DefaultDialer.Dial(wsURL, hdr)
		if conn != nil {
			conn.Close()
		}
		if res == nil || res.StatusCode != want {
			got := 0
			if res != nil {
				got = res.StatusCode
			}
			t.Errorf("Origin %q: %d, want %d", origin, got, want)
		}
	}
}

func cookieHeader(b *browser, u *url.URL) string {
	var parts []string
	for _, c := range b.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// Signing out revokes the session: the old cookie no longer works anywhere.
func TestBrowserSignOutRevokesTheSession(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	b.signIn("gn-1", "secret-pw", "")
	u, _ := url.Parse(h.base)
	stolen := cookieHeader(b, u)
	if status, _, _ := b.postForm("/logout", url.Values{}, nil); status != 403 {
		t.Errorf("sign-out without the CSRF token: %d, want 403", status)
	}
	status, hdr, _ := b.postForm("/logout", url.Values{}, map[string]string{"X-CSRF-Token": b.csrf()})
	if status != 303 || hdr.Get("Location") != "/login" {
		t.Fatalf("sign-out: %d %s", status, hdr.Get("Location"))
	}
	req, _ := http.NewRequest("GET", h.base+"/api/v1/me", nil)
	req.Header.Set("Cookie", stolen)
	if status, _, _ := newBrowser(h).send(req); status != 401 {
		t.Errorf("the old cookie after sign-out: %d, want 401", status)
	}
}

// Every answer carries the security headers: a page, an API answer, a 404.
func TestSecurityHeadersEverywhere(t *testing.T) {
	h := startHub(t)
	b := newBrowser(h)
	for _, path := range []string{"/login", "/api/v1/me", "/no-such-page", "/console/operator", "/healthz"} {
		_, hdr, _ := b.get(path)
		csp := hdr.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") ||
			strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
		if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: headers %v", path, hdr)
		}
	}
	if _, hdr, _ := b.get("/api/v1/me"); hdr.Get("Cache-Control") != "no-store" {
		t.Errorf("an API answer: Cache-Control %q", hdr.Get("Cache-Control"))
	}
}

// --map-tiles reaches the consoles (GET /api/v1/me) and the CSP lets its images in.
func TestMapTilesConfiguration(t *testing.T) {
	h := startHubWith(t, func(c *Config) {
		c.MapTiles, c.MapTilesDatum = "https://{s}.tiles.example.cn/{z}/{x}/{y}.png", "gcj02"
	})
	b := newBrowser(h)
	b.signIn("op1", "secret-pw", "")
	_, hdr, body := b.get("/api/v1/me")
	if !strings.Contains(body, `"map_tiles":"https://{s}.tiles.example.cn/{z}/{x}/{y}.png"`) || !strings.Contains(body, `"map_tiles_datum":"gcj02"`) {
		t.Errorf("/api/v1/me: %s", body)
	}
	if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: blob: https://*.tiles.example.cn;") {
		t.Errorf("CSP %q", csp)
	}
	for _, bad := range [][2]string{{"ftp://x/{z}/{x}/{y}", "wgs84"}, {"https://x.cn/tiles", "wgs84"}, {"", "bd09"}} {
		if err := checkMapTiles(bad[0], bad[1]); err == nil {
			t.Errorf("checkMapTiles(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// The command centre's consoles name the inspectors they send to verify and check cases; a street
// team is not told who they are.
func TestReferenceNamesInspectorsToTheCentre(t *testing.T) {
	h := startHub(t)
	var centre, team struct {
		Inspectors []struct{ Login, Name string } `json:"inspectors"`
	}
	h.do("GET", "/api/v1/reference", h.login("disp1"), nil, 200, &centre)
	if len(centre.Inspectors) != 2 || centre.Inspectors[0].Login != "insp1" || centre.Inspectors[0].Name != "监督员一" {
		t.Errorf("the dispatcher's reference lists inspectors %+v", centre.Inspectors)
	}
	raw := h.do("GET", "/api/v1/reference", h.login("gn-1"), nil, 200, &team)
	if team.Inspectors != nil || strings.Contains(string(raw), "insp1") {
		t.Errorf("a street team's reference names inspectors: %+v", team.Inspectors)
	}
	h.cli(t, "account", "disable", "insp2")
	centre.Inspectors = nil
	h.do("GET", "/api/v1/reference", h.login("lead1"), nil, 200, &centre)
	if len(centre.Inspectors) != 1 {
		t.Errorf("a disabled inspector is still offered: %+v", centre.Inspectors)
	}
}
