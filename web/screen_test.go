package web

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
	"cityhub/web/stream"
)

// Distinctive personal data that the screen must never show.
var (
	secretNames   = []string{"欧阳铁柱", "司马翠花"}
	secretPhones  = []string{"13987654321", "15911223344"}
	secretTexts   = []string{"独一无二的描述甲乙丙", "菜市场门口的秘密摊位丁戊"}
	secretAddress = []string{"幸福巷七十七号", "隐秘路九号院"}
	secretPoints  = []dispatcher.Point{{Lat: 28.951357, Lng: 106.602468}, {Lat: 28.948642, Lng: 106.598531}}
)

// screenCases files the distinctive reports (on the hotline and WeChat) and closes the first.
func screenCases(t *testing.T, h *apiHub) []*dispatcher.Case {
	t.Helper()
	ctx := context.Background()
	var out []*dispatcher.Case
	for i := range secretNames {
		p := secretPoints[i]
		res, err := h.svc.Submit(ctx, actorOf(t, h, "op1"), dispatcher.Complaint{Channel: []string{"hotline", "wechat"}[i],
			Category: "0501", Text: secretTexts[i], Reporter: dispatcher.Contact{Name: secretNames[i], Phone: secretPhones[i]},
			Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84, Address: secretAddress[i]}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, res.Case)
	}
	for _, step := range []struct {
		login string
		req   dispatcher.ActionRequest
	}{{"gn-1", dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge}},
		{"gn-1", dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已处置：" + secretTexts[0]}},
		{"insp1", dispatcher.ActionRequest{Action: dispatcher.ActPass}}} {
		if _, err := h.svc.Act(ctx, actorOf(t, h, step.login), out[0].ID, step.req); err != nil {
			t.Fatalf("%s: %v", step.req.Action, err)
		}
	}
	return out
}

func actorOf(t *testing.T, h *apiHub, login string) dispatcher.Actor {
	t.Helper()
	for _, p := range h.svc.Reference().People {
		if p.Login == login {
			return dispatcher.Actor{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit}
		}
	}
	t.Fatalf("no person %s", login)
	return dispatcher.Actor{}
}

// displayToken issues a display token through the admin API.
func displayToken(t *testing.T, h *apiHub, name string) string {
	t.Helper()
	var out struct{ Name, Token, Link string }
	if err := json.Unmarshal(h.mustCall("admin", "POST", "/api/v1/admin/displays", map[string]string{"name": name}, 201), &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != name || len(out.Token) < 20 || out.Link != "/screen?token="+url.QueryEscape(out.Token) {
		t.Fatalf("display token answer: %+v", out)
	}
	return out.Token
}

// plain sends a request with only the given cookie (and Origin) and no redirects followed.
func plain(t *testing.T, h *apiHub, path, cookie string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	if cookie != "" {
		req.AddCookie(&http.Cookie{Name: displayCookie, Value: cookie})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// TestScreenShowsNoPersonalData: the screen's answer has the district's figures and the closed
// case by number, category and street, and not one name, phone, text, address, position or
// person of the cases behind it.
func TestScreenShowsNoPersonalData(t *testing.T) {
	h := newAPIHub(t)
	cases := screenCases(t, h)
	tok := displayToken(t, h, "大厅一号屏")
	resp, body := plain(t, h, "/api/v1/screen", tok)
	if resp.StatusCode != 200 {
		t.Fatalf("GET /api/v1/screen with the display cookie: %d %s", resp.StatusCode, body)
	}
	leaks := append(append(append(append([]string{}, secretNames...), secretPhones...), secretTexts...), secretAddress...)
	leaks = append(leaks, "987654321", "1122334", "28.951357", "106.602468", "28.948642", "106.598531")
	for _, p := range h.svc.Reference().People {
		leaks = append(leaks, p.Name, `"`+p.Login+`"`)
	}
	for _, s := range leaks {
		if strings.Contains(body, s) {
			t.Errorf("the screen shows %q: %s", s, body)
		}
	}
	var rep dispatcher.ScreenReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	if last, _ := h.svc.LastEventID(context.Background()); rep.LastEventID != last {
		t.Errorf("last_event_id %d; want %d", rep.LastEventID, last)
	}
	if rep.Today.Received != 2 || rep.Today.Closed != 1 || rep.Today.ClosureRate == nil || *rep.Today.ClosureRate != 0.5 ||
		rep.Year.Received != 2 {
		t.Errorf("today %+v, year %+v", rep.Today, rep.Year)
	}
	if len(rep.RecentClosed) != 1 || rep.RecentClosed[0].Number != cases[0].Number || rep.RecentClosed[0].JurisdictionName != "古南街道" ||
		rep.RecentClosed[0].CategoryName == "" {
		t.Errorf("recent closed: %+v", rep.RecentClosed)
	}
	if len(rep.Channels) != len(dispatcher.Channels) || rep.Channels[0].Today != 1 || rep.Channels[1].Year != 1 ||
		len(rep.Categories) != 1 || rep.Categories[0].Year != 2 {
		t.Errorf("channels %+v, categories %+v", rep.Channels, rep.Categories)
	}
	inCells := int64(0)
	for _, c := range rep.Cells.Cells {
		inCells += c.Count
	}
	if rep.Cells.Res != 7 || inCells != 2 || len(rep.Daily) != 30 ||
		rep.Daily[29].Day != "2026-11-25" || rep.Daily[29].Received != 2 || rep.Daily[29].Closed != 1 {
		t.Errorf("cells %+v, daily's last %+v", rep.Cells, rep.Daily[len(rep.Daily)-1])
	}
}

// TestScreenAccess: the display link signs a screen in with a cookie and leaves the address
// bar; the cookie reaches the screen's page, data and stream and nothing else; a disabled token
// reaches nothing; the centre and leaders may watch the screen, a street team may not.
func TestScreenAccess(t *testing.T) {
	h := newAPIHub(t)
	defer func(old []byte) { screenHTML = old }(screenHTML)
	screenHTML = []byte("<!doctype html><title>screen</title>")
	tok := displayToken(t, h, "大厅")

	resp, _ := plain(t, h, "/screen?token="+url.QueryEscape(tok), "")
	c := resp.Cookies()
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/screen" || len(c) != 1 || c[0].Name != displayCookie ||
		c[0].Value != tok || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode || c[0].MaxAge != 400*24*3600 || c[0].Path != "/" {
		t.Fatalf("the display link: %d %v %+v", resp.StatusCode, resp.Header, c)
	}
	if resp, body := plain(t, h, "/screen", tok); resp.StatusCode != 200 || !strings.Contains(body, "<title>screen") {
		t.Errorf("/screen with the cookie: %d %s", resp.StatusCode, body)
	}
	if resp, body := plain(t, h, "/api/v1/screen/jurisdictions", tok); resp.StatusCode != 200 ||
		resp.Header.Get("Content-Type") != "application/geo+json" || !strings.Contains(body, "古南街道") {
		t.Errorf("the screen's outline: %d %.100s", resp.StatusCode, body)
	}
	for _, path := range []string{"/api/v1/jurisdictions", "/api/v1/me", "/api/v1/cases", "/api/v1/measures", "/api/v1/hotspots", "/api/v1/reference",
		"/api/v1/console/snapshot", "/api/v1/admin/displays", "/console/leader"} {
		if resp, body := plain(t, h, path, tok); resp.StatusCode == 200 {
			t.Errorf("the display cookie reaches %s: %s", path, body)
		}
	}
	for _, bad := range []string{"", "nonsense"} {
		if resp, body := plain(t, h, "/screen", bad); resp.StatusCode != 401 || !strings.Contains(body, "请使用显示屏链接打开本页") {
			t.Errorf("/screen with cookie %q: %d %s", bad, resp.StatusCode, body)
		}
		for _, path := range []string{"/api/v1/screen", "/api/v1/screen/jurisdictions"} {
			if resp, _ := plain(t, h, path, bad); resp.StatusCode != 401 {
				t.Errorf("%s with cookie %q: %d", path, bad, resp.StatusCode)
			}
		}
	}
	if resp, _ := plain(t, h, "/screen?token=nonsense", ""); resp.StatusCode != 401 || len(resp.Cookies()) != 0 {
		t.Errorf("a wrong display link: %d %v", resp.StatusCode, resp.Cookies())
	}
	h.mustCall("boss", "GET", "/api/v1/screen", nil, 200)
	h.mustCall("disp1", "GET", "/api/v1/screen", nil, 200)
	h.mustCall("gn-1", "GET", "/api/v1/screen", nil, 403)

	h.mustCall("admin", "PATCH", "/api/v1/admin/displays/"+url.PathEscape("大厅"), map[string]bool{"disabled": true}, 200)
	if resp, _ := plain(t, h, "/api/v1/screen", tok); resp.StatusCode != 401 {
		t.Errorf("a disabled display token reads the screen: %d", resp.StatusCode)
	}
	if resp, _ := plain(t, h, "/screen?token="+url.QueryEscape(tok), ""); resp.StatusCode != 401 {
		t.Errorf("a disabled display link: %d", resp.StatusCode)
	}
	var list struct{ Displays []dispatcher.DisplayToken }
	_ = json.Unmarshal(h.mustCall("admin", "GET", "/api/v1/admin/displays", nil, 200), &list)
	if len(list.Displays) != 1 || !list.Displays[0].Disabled || strings.Contains(string(h.mustCall("admin", "GET", "/api/v1/admin/displays", nil, 200)), tok) {
		t.Errorf("displays: %+v", list)
	}
	h.mustCall("admin", "POST", "/api/v1/admin/displays", map[string]string{"name": "大厅"}, 409)
	h.mustCall("admin", "PATCH", "/api/v1/admin/displays/nosuch", map[string]bool{"disabled": true}, 404)
	h.mustCall("boss", "GET", "/api/v1/admin/displays", nil, 403)
}

// dialScreen opens the screen's stream with the display cookie and the hub's Origin.
func dialScreen(t *testing.T, h *apiHub, tok, origin string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	hdr := http.Header{"Origin": {origin}, "Cookie": {displayCookie + "=" + tok}}
	return websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(h.srv.URL, "http")+"/api/v1/screen/stream", hdr)
}

func readID(t *testing.T, conn *websocket.Conn, within time.Duration) int64 {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(within))
	var m map[string]int64
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatalf("reading the screen stream: %v", err)
	}
	if len(m) != 1 {
		t.Fatalf("the screen stream sent %v; want only an id", m)
	}
	return m["id"]
}

// TestScreenStream: the stream says where the log is, rings within a second of new events,
// coalesced (a burst of writes is one or two rings), refuses another site's page, and closes
// once its token is disabled.
func TestScreenStream(t *testing.T) {
	h := newAPIHub(t)
	defer func(old time.Duration) { displayRecheck = old }(displayRecheck)
	displayRecheck = 200 * time.Millisecond
	tok := displayToken(t, h, "大厅")
	if _, resp, err := dialScreen(t, h, tok, "https://evil.example"); err == nil || resp == nil || resp.StatusCode != 403 {
		t.Errorf("another site's page opens the screen stream: %v %v", err, resp)
	}
	conn, _, err := dialScreen(t, h, tok, h.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if id := readID(t, conn, time.Second); id != 0 {
		t.Errorf("first ring %d; want 0 (no event yet)", id)
	}
	for i := range 5 {
		h.report("burst-" + string(rune('a'+i)))
	}
	last, _ := h.svc.LastEventID(context.Background())
	id := readID(t, conn, time.Second)
	if id != last {
		id = readID(t, conn, time.Second) // the burst may straddle a tick
	}
	if id != last {
		t.Errorf("rang %d; want the last event id %d", id, last)
	}
	h.mustCall("admin", "PATCH", "/api/v1/admin/displays/"+url.PathEscape("大厅"), map[string]bool{"disabled": true}, 200)
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _, err = conn.ReadMessage()
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != stream.CloseUnauthorized {
		t.Errorf("after the token was disabled the stream says %v; want close %d", err, stream.CloseUnauthorized)
	}
}
