package hotline

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/signing"
	"cityhub/internal/testclock"
	"cityhub/internal/testref"
	"cityhub/internal/teststore"
)

const secret = "cti-shared-secret"

type fixture struct {
	t       testing.TB
	h       *Handler
	svc     *dispatcher.Service
	store   dispatcher.Store
	clock   *testclock.Clock
	signals *dispatcher.LocalSignals
}

func newFixture(t testing.TB, secretKey string) *fixture {
	ref, router := testref.Qijiang(t)
	store := teststore.Open(t)
	clk := testclock.New(time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: clk.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	sig := dispatcher.NewLocalSignals()
	h := New(svc, Options{Secret: secretKey, KV: store.(dispatcher.KV), Signals: sig, Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &fixture{t: t, h: h, svc: svc, store: store, clock: clk, signals: sig}
}

// send posts body signed at the fixture's time (offset by skew) with the given secret.
func (f *fixture) send(body, key string, skew time.Duration) *httptest.ResponseRecorder {
	ts := strconv.FormatInt(f.clock.Now().Add(skew).Unix(), 10)
	return f.sendRaw(body, ts, signing.Sign(key, ts, []byte(body)))
}

func (f *fixture) sendRaw(body, ts, sig string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/intake/hotline/calls", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("X-Cityhub-Timestamp", ts)
	r.Header.Set("X-Cityhub-Signature", sig)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func (f *fixture) calls() []*dispatcher.Call {
	list, err := f.store.(dispatcher.CallStore).Calls(context.Background(), dispatcher.CallFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return list
}

const ringing = `{"event":"ringing","call_id":"c-1","caller":"13800000001","agent":"op1","recording":"rec/c-1.wav"}`

// Forged, stale, replayed, unsigned and with no secret configured: 401, and nothing is logged.
func TestRefusedEventsChangeNothing(t *testing.T) {
	f := newFixture(t, secret)
	ts := strconv.FormatInt(f.clock.Now().Unix(), 10)
	good := f.send(ringing, secret, 0)
	if good.Code != 200 {
		t.Fatalf("a good event: %d %s", good.Code, good.Body)
	}
	for name, w := range map[string]*httptest.ResponseRecorder{
		"forged":              f.send(strings.Replace(ringing, "c-1", "c-2", 1), "guessed-secret", 0),
		"stale":               f.send(strings.Replace(ringing, "c-1", "c-3", 1), secret, -6*time.Minute),
		"from the future":     f.send(strings.Replace(ringing, "c-1", "c-4", 1), secret, 6*time.Minute),
		"replayed":            f.sendRaw(ringing, ts, signing.Sign(secret, ts, []byte(ringing))),
		"body changed":        f.sendRaw(strings.Replace(ringing, "c-1", "c-5", 1), ts, signing.Sign(secret, ts, []byte(ringing))),
		"no signature":        f.sendRaw(strings.Replace(ringing, "c-1", "c-6", 1), ts, ""),
		"timestamp not a num": f.sendRaw(ringing, "yesterday", signing.Sign(secret, "yesterday", []byte(ringing))),
	} {
		if w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "error") {
			t.Errorf("%s: %d %s", name, w.Code, w.Body)
		}
	}
	if n := len(f.calls()); n != 1 {
		t.Fatalf("%d calls logged, want the good one", n)
	}
	none := newFixture(t, "")
	if w := none.send(ringing, "", 0); w.Code != http.StatusUnauthorized || len(none.calls()) != 0 {
		t.Fatalf("no secret configured: %d", w.Code)
	}
}

// A well-signed body that is not a call event is 400 and logs nothing.
func TestMalformedEventsAre400(t *testing.T) {
	f := newFixture(t, secret)
	for _, body := range []string{`not json`, `{"event":"ringing"}`, `{"event":"dialling","call_id":"x","caller":"1"}`,
		`{"event":"ringing","call_id":"x","caller":"13800000001","extra":1}`, `{"event":"ringing","call_id":"x","caller":"<script>"}`} {
		if w := f.send(body, secret, 0); w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", body, w.Code, w.Body)
		}
	}
	if n := len(f.calls()); n != 0 {
		t.Fatalf("%d calls logged", n)
	}
}

// Ringing, answered, hung up: one call in the log, answered, with its handling time; the same
// event again (a fresh signature) changes nothing; the agent's consoles hear the ring once.
func TestACallFromRingToHangUp(t *testing.T) {
	f := newFixture(t, secret)
	ring, stop := f.signals.Listen(dispatcher.CallTopic("op1"))
	defer stop()
	other, stopOther := f.signals.Listen(dispatcher.CallTopic("op2"))
	defer stopOther()
	f.send(ringing, secret, 0)
	f.clock.Add(time.Second)
	f.send(ringing, secret, 0) // delivered again
	f.clock.Add(7 * time.Second)
	f.send(`{"event":"answered","call_id":"c-1"}`, secret, 0)
	f.clock.Add(3 * time.Minute)
	w := f.send(`{"event":"hung_up","call_id":"c-1"}`, secret, 0)
	f.clock.Add(time.Second)
	f.send(`{"event":"hung_up","call_id":"c-1"}`, secret, 0)
	calls := f.calls()
	c := calls[0]
	if w.Code != 200 || len(calls) != 1 || c.Outcome != dispatcher.CallOutcomeAnswered || c.Seconds != 180 || c.Recording != "rec/c-1.wav" || c.Version != 3 {
		t.Fatalf("the call: %+v (%d)", c, w.Code)
	}
	if len(ring) != 1 || len(other) != 0 {
		t.Fatalf("rings heard: op1 %d, op2 %d", len(ring), len(other))
	}
	p := dispatcher.Point{Lat: 28.95, Lng: 106.60}
	res, err := f.svc.Submit(context.Background(), dispatcher.SystemActor, dispatcher.Complaint{Channel: dispatcher.ChannelHotline,
		Category: "0501", Text: "来电反映摊贩", Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84},
		Call: &dispatcher.CallRef{ID: "c-1", Recording: "rec/c-1.wav"}})
	if err != nil || res.Case.Call == nil || res.Case.Call.Recording != "rec/c-1.wav" {
		t.Fatalf("the report taken on the call: %+v, %v", res.Case, err)
	}
	if c := f.calls()[0]; len(c.Cases) != 1 || c.Cases[0] != res.Case.Number {
		t.Fatalf("the call lists %v, want the report filed during it", c.Cases)
	}
	f.send(`{"event":"ringing","call_id":"c-2","caller":"13800000002","agent":"op1"}`, secret, 0)
	f.send(`{"event":"hung_up","call_id":"c-2"}`, secret, 0)
	n, err := f.svc.CallMeasures(context.Background(), dispatcher.SystemActor, "2026-12-05", "2026-12-05")
	if err != nil || n.Calls != 2 || n.Answered != 1 || n.Abandoned != 1 || n.AverageSeconds != 180 {
		t.Fatalf("measures %+v, %v", n, err)
	}
	rep, err := f.svc.Measures(context.Background(), dispatcher.SystemActor, dispatcher.MeasureQuery{From: "2026-12-05", To: "2026-12-05"})
	if err != nil || rep.Calls == nil || rep.Calls.Abandoned != 1 {
		t.Fatalf("the measures report's calls: %+v, %v", rep.Calls, err)
	}
}

// FuzzCallEvent: whatever the body and headers, the handler answers without panicking, and
// nothing is logged unless the request was signed with the secret.
func FuzzCallEvent(f *testing.F) {
	f.Add(ringing, "1764925200", "")
	f.Add(`{"event":"hung_up","call_id":"c-1"}`, "1764925200", "sha256=00")
	f.Add(`{"event":"answered","call_id":"`+strings.Repeat("x", 300)+`"}`, "-1", "sha256=")
	f.Add("\x00\xff{", "99999999999999999999", "sha256=zz")
	fx := newFixture(f, secret) // one hub for the whole run: a fresh store per input would be most of the work
	f.Fuzz(func(t *testing.T, body, ts, sig string) {
		fx.t = t
		before := len(fx.calls())
		w := fx.sendRaw(body, ts, sig)
		if w.Code == 200 {
			t.Fatalf("an unsigned request was taken: %q %q %q", body, ts, sig)
		}
		if len(fx.calls()) != before {
			t.Fatal("an unsigned request logged a call")
		}
		fx.clock.Add(time.Second) // a fresh timestamp, so that the signed request is not a replay
		signed := fx.send(body, secret, 0)
		if signed.Code != 200 && signed.Code != 400 {
			t.Fatalf("a signed request: %d %s", signed.Code, signed.Body)
		}
	})
}

// downKV is a KV that cannot be reached.
type downKV struct{ dispatcher.KV }

func (downKV) KVPut(context.Context, string, []byte, int64, time.Duration) (int64, error) {
	return 0, dispatcher.Errorf(dispatcher.EUnavailable, "kv down")
}

// A well-signed event that cannot be checked for replay (the shared KV is down) is 503, to be sent
// again, not 401: the sender did nothing wrong. Nothing is logged.
func TestKVDownIs503(t *testing.T) {
	f := newFixture(t, secret)
	f.h.kv = downKV{}
	if w := f.send(ringing, secret, 0); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("with the KV down: %d %s", w.Code, w.Body)
	}
	if n := len(f.calls()); n != 0 {
		t.Fatalf("%d calls logged", n)
	}
}
