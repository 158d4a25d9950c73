package sms_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/sms"
	"cityhub/internal/courier"
	"cityhub/internal/signing"
	"cityhub/internal/testclock"
	"cityhub/internal/testref"
	"cityhub/internal/teststore"
)

var guNan = dispatcher.Point{Lat: 28.95, Lng: 106.60}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	svc   *dispatcher.Service
	store dispatcher.Store
	clock *testclock.Clock
}

func newFixture(t *testing.T) *fixture {
	ref, router := testref.Qijiang(t)
	store := teststore.Open(t)
	clk := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), svc: svc, store: store, clock: clk}
	for _, p := range ref.People {
		a := &dispatcher.Account{Login: p.Login, Name: p.Name, Role: p.Role, Unit: p.Unit, Certificate: p.Certificate}
		if err := svc.PutAccount(f.ctx, a, ""); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) actor(login string) dispatcher.Actor {
	a, err := f.store.Account(f.ctx, login)
	if err != nil {
		f.t.Fatal(err)
	}
	return a.Actor()
}

func (f *fixture) submit(channel, phone, join string) *dispatcher.Case {
	f.t.Helper()
	res, err := f.svc.Submit(f.ctx, f.actor("op1"), dispatcher.Complaint{Channel: channel, Nature: "complaint",
		Category: "0501", Text: "人行道上有流动摊贩", Location: dispatcher.Location{Point: guNan, Original: guNan, Datum: dispatcher.WGS84},
		Reporter: dispatcher.Contact{Phone: phone}, JoinCase: join})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Case
}

func (f *fixture) act(login string, c *dispatcher.Case, req dispatcher.ActionRequest) *dispatcher.Case {
	f.t.Helper()
	res, err := f.svc.Act(f.ctx, f.actor(login), c.ID, req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.Action, err)
	}
	return res.Case
}

func (f *fixture) close(c *dispatcher.Case) {
	c = f.act("gn-1", c, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	c = f.act("gn-1", c, dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已劝离"})
	f.act("insp1", c, dispatcher.ActionRequest{Action: dispatcher.ActPass})
}

// gateway is a fake SMS gateway: it checks each request's signature and answers with the
// statuses queued, then 200.
type gateway struct {
	mu       sync.Mutex
	got      []sms.Message
	statuses []int
	badSigs  int
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	if r.Header.Get("X-Cityhub-Signature") != signing.Sign("s3cret", r.Header.Get("X-Cityhub-Timestamp"), body) {
		g.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if len(g.statuses) > 0 {
		status := g.statuses[0]
		g.statuses = g.statuses[1:]
		if status != http.StatusOK {
			w.WriteHeader(status)
			return
		}
	}
	var m sms.Message
	_ = json.Unmarshal(body, &m)
	g.got = append(g.got, m)
}

func (g *gateway) phones() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, m := range g.got {
		out = append(out, m.To)
	}
	slices.Sort(out)
	return out
}

func (f *fixture) notifier(g *gateway) *sms.Notifier {
	opt := sms.Options{KV: f.store.(dispatcher.KV), Outbox: f.store.(dispatcher.Outbox), Sign: "【綦江城管】",
		TrackURL: "https://hub.example/track", Now: f.clock.Now, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry: courier.Retry{Base: time.Second, Max: time.Minute, Attempts: 3}}
	if g != nil {
		srv := httptest.NewServer(g)
		f.t.Cleanup(srv.Close)
		opt.Gateway = sms.HTTPGateway{URL: srv.URL, Secret: "s3cret"}
	}
	return sms.New(f.svc, opt)
}

// Every reporter who left a phone by the hotline or the web form hears of the closure once: the
// first, the joined (a number that reported twice hears once) and the merged case's; the WeChat
// reporter does not get a text. Two instances following the log send each text once.
func TestEveryReporterByPhoneIsToldOfTheClosureOnce(t *testing.T) {
	f := newFixture(t)
	g := &gateway{}
	a, b := f.notifier(g), f.notifier(g)
	a.Round(f.ctx) // the cursor starts at the end of the log
	c := f.submit(dispatcher.ChannelHotline, "13800000001", "")
	f.submit(dispatcher.ChannelWeb, "13800000002", c.Number)
	f.submit(dispatcher.ChannelHotline, "13800000003", c.Number)
	f.submit(dispatcher.ChannelWeb, "13800000002", c.Number) // the same citizen again
	f.submit(dispatcher.ChannelWeChat, "", c.Number)
	g.statuses = []int{http.StatusServiceUnavailable} // the first send fails once
	f.close(c)
	a.Round(f.ctx)
	b.Round(f.ctx)
	f.clock.Add(2 * time.Second)
	a.Round(f.ctx)
	b.Round(f.ctx)
	want := []string{"13800000001", "13800000002", "13800000003"}
	if got := g.phones(); !slices.Equal(got, want) || g.badSigs != 0 {
		t.Fatalf("texts to %v (bad signatures %d), want %v", got, g.badSigs, want)
	}
	for _, m := range g.got {
		if !strings.HasPrefix(m.Text, "【綦江城管】") || !strings.Contains(m.Text, c.Number) || !strings.Contains(m.Text, "已办结") {
			t.Errorf("text %q", m.Text)
		}
	}
	notices, _ := f.svc.CaseNotices(f.ctx, f.actor("op1"), c.ID)
	sent := 0
	for _, n := range notices {
		if n.Channel == "sms:notice" && n.SentAt != nil && n.Kind == "closed" {
			sent++
		}
	}
	if sent != 3 {
		t.Errorf("the case's page lists %d texts sent: %+v", sent, notices)
	}
}

// A case merged into another: its reporter is told when the other closes, as one of its reporters.
func TestMergedReporterIsToldWhenTheCaseCloses(t *testing.T) {
	f := newFixture(t)
	g := &gateway{}
	n := f.notifier(g)
	n.Round(f.ctx)
	c := f.submit(dispatcher.ChannelHotline, "13800000001", "")
	later, err := f.svc.Submit(f.ctx, f.actor("op1"), dispatcher.Complaint{Channel: dispatcher.ChannelWeb, Category: "0501",
		Text: "又来摆摊了", Location: dispatcher.Location{Point: guNan, Original: guNan, Datum: dispatcher.WGS84},
		Reporter: dispatcher.Contact{Phone: "13900000009"}})
	if err != nil {
		t.Fatal(err)
	}
	// Automatic dispatch sent the later case to the team; it comes back to the centre to be merged.
	back := f.act("gn-lead", later.Case, dispatcher.ActionRequest{Action: dispatcher.ActReturn, Reason: "重复件"})
	f.act("lead1", back, dispatcher.ActionRequest{Action: dispatcher.ActMerge, Into: c.Number, Reason: "同一摊点"})
	f.close(c)
	n.Round(f.ctx)
	if got := g.phones(); !slices.Equal(got, []string{"13800000001", "13900000009"}) {
		t.Fatalf("texts to %v", got)
	}
	for _, m := range g.got {
		if m.To == "13900000009" && !strings.Contains(m.Text, "合并办理") {
			t.Errorf("the merged reporter read %q", m.Text)
		}
	}
}

// Without a gateway nothing is sent, and the case's page says why; a gateway's refusal of the
// message (400) is not retried.
func TestNoGatewayOrARefusalGivesUpWithTheReason(t *testing.T) {
	f := newFixture(t)
	n := f.notifier(nil)
	n.Round(f.ctx)
	c := f.submit(dispatcher.ChannelHotline, "13800000001", "")
	f.close(c)
	n.Round(f.ctx)
	notices, _ := f.svc.CaseNotices(f.ctx, f.actor("op1"), c.ID)
	if len(notices) != 1 || !notices[0].GaveUp || !strings.Contains(notices[0].LastError, "未配置短信网关") {
		t.Fatalf("notices %+v", notices)
	}
	g := &gateway{statuses: []int{http.StatusBadRequest}}
	n = f.notifier(g)
	n.Round(f.ctx)
	d := f.submit(dispatcher.ChannelHotline, "13800000004", "")
	f.close(d)
	n.Round(f.ctx)
	f.clock.Add(time.Minute)
	n.Round(f.ctx)
	notices, _ = f.svc.CaseNotices(f.ctx, f.actor("op1"), d.ID)
	if len(notices) != 1 || !notices[0].GaveUp || notices[0].Attempts != 1 || len(g.phones()) != 0 {
		t.Fatalf("after a 400: %+v, sent %v", notices, g.phones())
	}
}
