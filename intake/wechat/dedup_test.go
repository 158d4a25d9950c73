package wechat

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// twoInstances are two webhooks sharing one KV, as two hub instances behind WeChat's retries.
func twoInstances(t *testing.T, r Responder) (*fixture, *Webhook) {
	f := newFixture(t, safeConfig())
	f.r = nil
	a, err := NewWebhook(safeConfig(), r, f.kv, slog.New(slog.NewTextHandler(f.log, nil)), func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewWebhook(safeConfig(), r, f.kv, slog.New(slog.NewTextHandler(f.log, nil)), func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	f.w = a
	return f, b
}

// Four deliveries of one message, two to each instance, at once: one Respond, four equal replies,
// each encrypted afresh.
func TestDedupAcrossInstances(t *testing.T) {
	var calls atomic.Int32
	slow := responderFunc(func(m *Message) (Reply, error) {
		calls.Add(1)
		time.Sleep(300 * time.Millisecond) // the duplicates arrive while it works
		return Reply{Text: "已受理，编号 QJ-001"}, nil
	})
	f, b := twoInstances(t, slow)
	c, _ := newCrypter(testKey, testAppID)
	msg := textXML("路灯坏了", 1<<63+5, f.now.Unix())
	recs := make([]*httptest.ResponseRecorder, 4)
	var wg sync.WaitGroup
	for i := range recs {
		h := f.w
		if i%2 == 1 {
			h = b
		}
		enc := c.encrypt(freshRandom(), []byte(msg)) // WeChat's retries carry a new nonce and ciphertext
		wg.Go(func() { recs[i] = do(h, "POST", encURL("spamtest", f.now.Unix(), freshNonce(), enc), safeBody(enc)) })
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("Respond called %d times, want 1", n)
	}
	seen := map[string]bool{}
	for i, rec := range recs {
		r, enc := f.encryptedReply(t, rec)
		if r.Content != "已受理，编号 QJ-001" || r.ToUserName != "oSECRETOPENID1234" {
			t.Errorf("delivery %d: %+v", i, r)
		}
		if seen[enc] {
			t.Errorf("delivery %d: ciphertext reused", i)
		}
		seen[enc] = true
	}
	e, err := f.kv.KVGet(t.Context(), "wechat:msg:msg:9223372036854775813")
	if err != nil || string(e.Value) != `{"state":"done","reply":"已受理，编号 QJ-001"}` {
		t.Errorf("claim %s %v", e.Value, err)
	}
}

// A delivery arriving after the first is done is answered from the KV; events are told apart by
// sender, time and event.
func TestDedupLaterAndEvents(t *testing.T) {
	f := newFixture(t, safeConfig())
	sub := func(from string, at int64) string {
		return "<xml><ToUserName>gh</ToUserName><FromUserName>" + from + "</FromUserName><CreateTime>" +
			itoa(at) + "</CreateTime><MsgType>event</MsgType><Event>subscribe</Event></xml>"
	}
	f.r.reply = func(m *Message) (Reply, error) { return Reply{Text: "欢迎 " + m.FromUserName}, nil }
	now := f.now.Unix()
	for _, p := range []string{sub("o1", now), sub("o1", now), sub("o2", now), sub("o1", now-1), sub("o1", now)} {
		if r, _ := f.encryptedReply(t, f.postSafe(p)); !strings.HasPrefix(r.Content, "欢迎 o") {
			t.Errorf("reply %+v", r)
		}
	}
	if f.r.calls() != 3 {
		t.Errorf("Respond called %d times, want 3 (o1@now, o2@now, o1@now-1)", f.r.calls())
	}
}

// A duplicate still waiting after pollFor answers "success" and does not call the Responder.
func TestDedupGivesUpWithSuccess(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	f, b := twoInstances(t, responderFunc(func(m *Message) (Reply, error) {
		if calls.Add(1) == 1 { // only the first blocks: a second call must fail the test, not hang it
			<-release
		}
		return Reply{Text: "迟到的回复"}, nil
	}))
	b.pollFor = 150 * time.Millisecond
	msg := textXML("x", 3, f.now.Unix())
	done := make(chan *httptest.ResponseRecorder)
	go func() { done <- f.postSafe(msg) }()
	for calls.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	g := *f
	g.w = b
	start := time.Now()
	rec := g.postSafe(msg)
	if rec.Body.String() != "success" || time.Since(start) < 150*time.Millisecond {
		t.Errorf("duplicate: %d %q after %s", rec.Code, rec.Body, time.Since(start))
	}
	close(release)
	if r, _ := f.encryptedReply(t, <-done); r.Content != "迟到的回复" || calls.Load() != 1 {
		t.Errorf("first: %+v, %d calls", r, calls.Load())
	}
}

// A KV that fails is a 500 without calling the Responder: better WeChat's retry than a reply
// that may be sent twice.
func TestDedupKVDown(t *testing.T) {
	f := newFixture(t, safeConfig())
	f.w.kv = brokenKV{}
	if rec := f.postSafe(textXML("x", 4, f.now.Unix())); rec.Code != 500 || f.r.calls() != 0 {
		t.Errorf("%d, %d calls", rec.Code, f.r.calls())
	}
}

type responderFunc func(*Message) (Reply, error)

func (f responderFunc) Respond(_ context.Context, m *Message) (Reply, error) { return f(m) }

type brokenKV struct{ dispatcher.KV }

func (brokenKV) KVPut(context.Context, string, []byte, int64, time.Duration) (int64, error) {
	return 0, dispatcher.Errorf(dispatcher.EUnavailable, "down")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
