package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/sms"
	"cityhub/intake/wechat/wechattest"
	"cityhub/internal/signing"
)

// smsGateway is the bureau's SMS gateway as the tests see it: it checks each request's signature
// and keeps the texts.
type smsGateway struct {
	*httptest.Server
	mu    sync.Mutex
	texts map[string][]string // by phone
	bad   int
}

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{texts: map[string][]string{}}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var m sms.Message
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Header.Get("X-Cityhub-Signature") != signing.Sign("gateway-secret", r.Header.Get("X-Cityhub-Timestamp"), body) ||
			json.Unmarshal(body, &m) != nil {
			g.bad++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		g.texts[m.To] = append(g.texts[m.To], m.Text)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *smsGateway) phones() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for p := range g.texts {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// near is p moved north and east by metres (near Qijiang's latitude).
func near(p dispatcher.Point, north, east float64) dispatcher.Point {
	return dispatcher.Point{Lat: p.Lat + north/111_195, Lng: p.Lng + east/(111_195*0.8746)}
}

// TestTwentyReportsOfOneProblem: twenty people report one stall within 250 m: by the hotline
// (the operator sees the open case among the nearby ones and joins the call to it), by the web
// channel, and by WeChat (three citizens file cases that the centre merges). The result is one
// case with twenty reporters, counted once in received and once in closed; when it closes,
// everyone hears: a text to each phone through the SMS gateway, a WeChat message to each citizen.
func TestTwentyReportsOfOneProblem(t *testing.T) {
	api := wechattest.NewAPI(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	gw := newSMSGateway(t)
	h := startHubWith(t, func(c *Config) {
		withWeChat(api, "safe")(c)
		c.SMS = SMSConfig{URL: gw.URL, Secret: "gateway-secret", Sign: "【綦江城管】", Poll: 50 * time.Millisecond}
	})
	op, lead, boss := h.login("op1"), h.login("lead1"), h.login("boss")
	before := todayCounts(h, boss)
	first := fileReport(h, op, guNanPoint, "13800000000", "hotline", "")
	var nearby struct {
		Cases []struct {
			Number    string
			Distance  float64 `json:"distance_m"`
			Reporters int
		}
	}
	h.do("GET", fmt.Sprintf("/api/v1/cases/nearby?lat=%f&lng=%f&category=0501", near(guNanPoint, 200, 0).Lat, guNanPoint.Lng), op, nil, 200, &nearby)
	if len(nearby.Cases) != 1 || nearby.Cases[0].Number != first || nearby.Cases[0].Distance < 199 {
		t.Fatalf("the operator's nearby cases 200 m away: %+v", nearby.Cases)
	}
	for i := 1; i <= 16; i++ {
		channel := []string{"hotline", "web"}[i%2]
		p := near(guNanPoint, float64(i*12), float64(-i*6)) // up to 215 m away
		if got := fileReport(h, op, p, fmt.Sprintf("138000000%02d", i), channel, first); got != first {
			t.Fatalf("report %d joined %s, want %s", i, got, first)
		}
	}
	wx := newWeChat(t, "safe")
	var citizens []string
	for i := range 3 {
		who := openID(t, fmt.Sprintf("dup%d", i))
		citizens = append(citizens, who)
		wx.push(h, wx.text(who, "人行道上有流动摊贩"))
		wx.push(h, wx.location(who, near(guNanPoint, 0, float64(30+i*20)), "沿河路"))
		wx.push(h, wx.text(who, "确认"))
		mine := h.citizenCases(who)[0].Number
		h.do("POST", "/api/v1/cases/"+mine+"/actions", h.login("gn-lead"), map[string]string{"action": "return", "reason": "重复件"}, 200, nil)
		h.do("POST", "/api/v1/cases/"+mine+"/actions", lead, map[string]string{"action": "merge", "into": first, "reason": "同一摊点"}, 200, nil)
	}
	var rs struct{ Reporters []dispatcher.CaseReporter }
	h.do("GET", "/api/v1/cases/"+first+"/reporters", op, nil, 200, &rs)
	if len(rs.Reporters) != 20 {
		t.Fatalf("the case has %d reporters, want 20", len(rs.Reporters))
	}
	officer := h.login("gn-1")
	for _, a := range []map[string]string{{"action": "acknowledge"}, {"action": "resolve", "text": "已劝离"}} {
		h.do("POST", "/api/v1/cases/"+first+"/actions", officer, a, 200, nil)
	}
	h.do("POST", "/api/v1/cases/"+first+"/actions", h.login("insp1"), map[string]string{"action": "pass"}, 200, nil)
	after := todayCounts(h, boss)
	for m, want := range map[string]int64{"received": 1, "closed": 1, "reports": 20, "merged": 3} {
		if got := after[m] - before[m]; got != want {
			t.Errorf("%s counted %d, want %d", m, got, want)
		}
	}
	waitUntil(t, 10*time.Second, "a text to each of the 17 phones", func() bool { return len(gw.phones()) == 17 })
	waitUntil(t, 10*time.Second, "a WeChat message to each of the 3 citizens", func() bool {
		told := 0
		for _, who := range citizens {
			for _, s := range api.Sent() {
				if s.ToUser == who && strings.Contains(s.Text, first) && strings.Contains(s.Text, "已办结") {
					told++
					break
				}
			}
		}
		return told == 3
	})
	time.Sleep(300 * time.Millisecond) // a few more rounds: nobody is told twice
	gw.mu.Lock()
	defer gw.mu.Unlock()
	for phone, texts := range gw.texts {
		if len(texts) != 1 || !strings.Contains(texts[0], first) {
			t.Errorf("%s got %q", phone, texts)
		}
	}
	if gw.bad != 0 {
		t.Errorf("%d requests with a bad signature", gw.bad)
	}
}

// fileReport logs a report through the JSON API and returns the number of the case it made or
// joined (join: the case it says it is about).
func fileReport(h *hub, token string, p dispatcher.Point, phone, channel, join string) string {
	h.t.Helper()
	var out struct {
		Case   dispatcher.Case
		Joined bool
	}
	want := 201
	if join != "" {
		want = 200
	}
	h.do("POST", "/api/v1/complaints", token, map[string]any{"channel": channel, "category": "0501", "text": "人行道上有流动摊贩",
		"lat": p.Lat, "lng": p.Lng, "reporter": map[string]string{"phone": phone}, "join_case": join}, want, &out)
	if out.Joined != (join != "") {
		h.t.Fatalf("joined %v, asked to join %q", out.Joined, join)
	}
	return out.Case.Number
}

func todayCounts(h *hub, token string) map[string]int64 {
	h.t.Helper()
	var m struct {
		Rows []struct{ Counts map[string]int64 }
	}
	h.do("GET", "/api/v1/measures?period=today", token, nil, 200, &m)
	if len(m.Rows) == 0 {
		return map[string]int64{}
	}
	return m.Rows[0].Counts
}

var _ = context.Background
