package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"cityhub/dispatcher"
	"cityhub/internal/teststore"
)

type hub struct {
	t    *testing.T
	m    *Main
	base string
}

// startHub runs a whole hub in-process on port 0 with a temporary data directory and demo data,
// on the run's store (SQLite, or PostgreSQL when CITYHUB_TEST_STORE=postgres).
func startHub(t *testing.T) *hub {
	t.Helper()
	return startHubWith(t, func(*Config) {})
}

// startHubWith is startHub with its configuration changed by edit first.
func startHubWith(t *testing.T, edit func(*Config)) *hub {
	t.Helper()
	dsn := ""
	if teststore.Kind() == "postgres" {
		dsn = teststore.DSN(t)
	}
	return startHubOnWith(t, dsn, edit)
}

// startHubOn runs a hub on the given store DSN ("" for SQLite in the data directory).
func startHubOn(t *testing.T, dsn string) *hub {
	t.Helper()
	return startHubOnWith(t, dsn, func(*Config) {})
}

func startHubOnWith(t *testing.T, dsn string, edit func(*Config)) *hub {
	t.Helper()
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DB: dsn, Demo: true, DemoPassword: "secret-pw"}}
	edit(&m.Config)
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &hub{t: t, m: m, base: "http://" + m.Addr()}
}

func (h *hub) login(login string) string {
	h.t.Helper()
	var out struct{ Token string }
	h.do("POST", "/api/v1/login", "", map[string]string{"login": login, "password": "secret-pw"}, 200, &out)
	return out.Token
}

// do sends a JSON request (body may be a string of raw JSON) and checks the status.
func (h *hub) do(method, path, token string, body any, want int, out any) []byte {
	h.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		raw, _ = json.Marshal(b)
	}
	return h.raw(method, path, token, "application/json", raw, want, out)
}

func (h *hub) caseCount() int {
	page, err := h.m.store.ListCases(context.Background(), dispatcher.CaseFilter{})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Total
}

func (h *hub) stream(token string, since int64) *websocket.Conn {
	h.t.Helper()
	u := "ws://" + h.m.Addr() + "/api/v1/stream?since=" + itoa(since) + "&access_token=" + url.QueryEscape(token)
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { conn.Close() })
	return conn
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

type streamMsg struct {
	ID     int64           `json:"id"`
	Type   string          `json:"type"`
	CaseID int64           `json:"case_id"`
	At     time.Time       `json:"at"`
	Data   json.RawMessage `json:"data"`
}

func readUntil(t *testing.T, conn *websocket.Conn, typ string) streamMsg {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		var m streamMsg
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("waiting for %s: %v", typ, err)
		}
		if m.Type == typ {
			return m
		}
	}
}

func TestEndToEndReportReachesTheRightTeam(t *testing.T) {
	h := startHub(t)
	h.do("GET", "/healthz", "", nil, 200, nil)
	op, gn, sj := h.login("op1"), h.login("gn-lead"), h.login("sj-lead")
	gnStream, sjStream := h.stream(gn, 0), h.stream(sj, 0)

	var created struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"text": "<script>alert(1)</script> 有人占道经营", "reporter": map[string]string{"name": "李四", "phone": "13900001111"}}, 201, &created)
	c := created.Case
	if c.State != dispatcher.Dispatched || c.Unit != "QJ-GN-DD" || c.Routing.Explanation == "" {
		t.Fatalf("case %s %s routing %+v", c.State, c.Unit, c.Routing)
	}
	if c.Text != "<script>alert(1)</script> 有人占道经营" {
		t.Errorf("text not stored as given: %q", c.Text)
	}
	msg := readUntil(t, gnStream, "case.dispatched")
	if msg.CaseID != c.ID || msg.ID <= 0 || msg.At.IsZero() {
		t.Errorf("stream message %+v", msg)
	}
	// 三江 must not receive it: send a report for 三江 and check its first event is its own.
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.94, "lng": 106.67}, 201, nil)
	if got := readUntil(t, sjStream, "case.dispatched"); got.CaseID == c.ID {
		t.Fatal("三江 received 古南's case")
	}

	var view struct {
		Case    dispatcher.Case
		Actions []string
	}
	h.do("GET", "/api/v1/cases/"+c.Number, gn, nil, 200, &view)
	if view.Case.Reporter.Phone != "139****1111" {
		t.Errorf("unit sees contact %q", view.Case.Reporter.Phone)
	}
	var acted struct{ Case dispatcher.Case }
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", gn, map[string]any{"action": "acknowledge"}, 200, &acted)
	if acted.Case.State != dispatcher.InProgress || acted.Case.Reporter.Phone != "139****1111" {
		t.Errorf("after acknowledge the unit gets state %s, contact %q", acted.Case.State, acted.Case.Reporter.Phone)
	}
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", sj, map[string]any{"action": "acknowledge"}, 404, nil)
	h.do("GET", "/api/v1/measures?period=today", h.login("boss"), nil, 200, nil)
	metrics := string(h.do("GET", "/metrics", "", nil, 200, nil))
	// Three case writes so far: two reports (each received, registered and dispatched in one write)
	// and the acknowledgement, one after the other: three commits.
	for _, want := range []string{"cityhub_http_requests_total", "cityhub_cases{state=\"in_progress\"} 1", "cityhub_streams_open 2",
		"cityhub_store_writes_total 3", "cityhub_store_commits_total 3"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q\n%s", want, grepLines(metrics, "cityhub_store_"))
		}
	}
}

func TestEndToEndBadInputIsRefusedAndStoresNothing(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	long := strings.Repeat("字", dispatcher.MaxTextRunes+1)
	cases := map[string]string{
		"malformed json": `{"category": "0501", "lat": 28.95,`,
		"wrong type":     `{"category": "0501", "lat": "north", "lng": 106.6}`,
		"swapped coords": `{"category": "0501", "lat": 106.60, "lng": 28.95}`,
		"outside":        `{"category": "0501", "lat": 39.9, "lng": 116.4}`,
		"unknown cat":    `{"category": "9999", "lat": 28.95, "lng": 106.60}`,
		"too long":       `{"category": "0501", "lat": 28.95, "lng": 106.60, "text": "` + long + `"}`,
		"unknown field":  `{"category": "0501", "lat": 28.95, "lng": 106.60, "colour": "red"}`,
		"two objects":    `{"category": "0501", "lat": 28.95, "lng": 106.60} {}`,
		"missing point":  `{"category": "0501"}`,
		"bad datum":      `{"category": "0501", "lat": 28.95, "lng": 106.60, "datum": "osgb36"}`,
	}
	for name, body := range cases {
		var p struct {
			Status int
			Detail string
			Code   string
		}
		h.do("POST", "/api/v1/complaints", op, body, 400, &p)
		if p.Detail == "" || p.Code == "" {
			t.Errorf("%s: problem %+v", name, p)
		}
	}
	h.do("POST", "/api/v1/complaints", "", `{}`, 401, nil)
	h.do("POST", "/api/v1/complaints", h.login("gn-1"), `{"category":"0501","lat":28.95,"lng":106.60}`, 403, nil)
	if n := h.caseCount(); n != 0 {
		t.Errorf("%d cases stored by refused requests", n)
	}
}

func TestEndToEndOpen311AndStreamResume(t *testing.T) {
	h := startHub(t)
	key, err := h.m.svc.CreateAPIKey(context.Background(), "e2e")
	if err != nil {
		t.Fatal(err)
	}
	disp := h.login("disp1")
	first := h.stream(disp, 0)
	post := func() string {
		resp, err := http.PostForm(h.base+"/open311/v2/requests.json", url.Values{"api_key": {key},
			"service_code": {"0501"}, "lat": {"28.95"}, "long": {"106.60"}, "description": {"占道"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out []struct {
			ID string `json:"service_request_id"`
		}
		if resp.StatusCode != 201 || json.NewDecoder(resp.Body).Decode(&out) != nil || len(out) != 1 {
			t.Fatalf("open311 post: %d", resp.StatusCode)
		}
		return out[0].ID
	}
	post()
	last := readUntil(t, first, "case.dispatched").ID
	first.Close()
	for i := 0; i < 3; i++ { // while the console is away
		post()
	}
	again := h.stream(disp, last)
	seen := map[int64]bool{}
	prev := last
	for len(seen) < 9 { // 3 cases x received, registered, dispatched
		again.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m streamMsg
		if err := again.ReadJSON(&m); err != nil {
			t.Fatalf("after %d events: %v", len(seen), err)
		}
		if strings.HasPrefix(m.Type, "stream.") {
			continue
		}
		if m.ID <= prev || seen[m.ID] {
			t.Fatalf("event %d after %d: gap order or duplicate", m.ID, prev)
		}
		seen[m.ID], prev = true, m.ID
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
