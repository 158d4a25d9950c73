package wechat_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/wechat"
	"cityhub/intake/wechat/wechattest"
)

const (
	apiAppID  = "wx0123456789abcdef"
	apiSecret = "s3cr3t-0123456789abcdef0123456789"
)

// apiFixture is a fake API and a KV that clients share.
type apiFixture struct {
	api *wechattest.API
	kv  dispatcher.KV
}

func newAPIFixture(t *testing.T) apiFixture {
	t.Helper()
	api := wechattest.NewAPI(apiAppID, apiSecret)
	t.Cleanup(api.Close)
	return apiFixture{api: api, kv: dispatcher.NewMemoryKV(nil)}
}

func (f apiFixture) client() *wechat.Client {
	return wechat.NewClient(f.api.URL, apiAppID, apiSecret, f.kv, nil, nil)
}

// TestTokenCachedAndShared: two clients on one KV (two hub instances) fetch one token for many calls.
func TestTokenCachedAndShared(t *testing.T) {
	f := newAPIFixture(t)
	a, b := f.client(), f.client()
	first, err := a.AccessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		c := []*wechat.Client{a, b}[i%2]
		if err := c.SendText(t.Context(), "openid-1", "您好"); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		if tok, err := c.AccessToken(t.Context()); err != nil || tok != first {
			t.Fatalf("AccessToken = %q, %v; want the cached %q", tok, err, first)
		}
	}
	if n := f.api.TokenCount(); n != 1 {
		t.Errorf("%d tokens fetched, want 1", n)
	}
}

// TestTokenRefreshedBeforeExpiry: a token is used until 5 minutes before it expires, then
// replaced.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	f := newAPIFixture(t)
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	c := wechat.NewClient(f.api.URL, apiAppID, apiSecret, f.kv, nil, clock)
	first, err := c.AccessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(7200*time.Second - 5*time.Minute - time.Second)
	mu.Unlock()
	if tok, _ := c.AccessToken(t.Context()); tok != first {
		t.Fatal("the token was replaced more than 5 minutes before it expires")
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if tok, err := c.AccessToken(t.Context()); err != nil || tok == first {
		t.Fatalf("AccessToken within 5 minutes of expiry = %q, %v; want a new token", tok, err)
	}
	if n := f.api.TokenCount(); n != 2 {
		t.Errorf("%d tokens fetched, want 2", n)
	}
}

// TestConcurrentAccessToken: 20 calls at once on two clients fetch one token; the others wait
// for it.
func TestConcurrentAccessToken(t *testing.T) {
	f := newAPIFixture(t)
	clients := []*wechat.Client{f.client(), f.client()}
	var wg sync.WaitGroup
	toks := make([]string, 20)
	for i := range toks {
		wg.Go(func() {
			tok, err := clients[i%2].AccessToken(t.Context())
			if err != nil {
				t.Errorf("AccessToken %d: %v", i, err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	for i, tok := range toks {
		if tok != toks[0] {
			t.Errorf("call %d got token %q, call 0 %q", i, tok, toks[0])
		}
	}
	if n := f.api.TokenCount(); n != 1 {
		t.Errorf("%d tokens fetched, want 1", n)
	}
}

// TestExpiredTokenRetried: a token WeChat says expired (42001) is replaced and the call made
// again, once, without the caller noticing.
func TestExpiredTokenRetried(t *testing.T) {
	f := newAPIFixture(t)
	c := f.client()
	old, err := c.AccessToken(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f.api.ExpireTokens()
	if err := c.SendText(t.Context(), "openid-1", "第二条"); err != nil {
		t.Fatalf("SendText with an expired token: %v", err)
	}
	if tok, _ := c.AccessToken(t.Context()); tok == old {
		t.Error("the expired token is still cached")
	}
	if n, calls := f.api.TokenCount(), f.api.Count("/cgi-bin/message/custom/send"); n != 2 || calls != 2 {
		t.Errorf("%d tokens fetched and %d sends made; want 2 and 2 (one refused, one retried)", n, calls)
	}
	if s := f.api.Sent(); len(s) != 1 || s[0].Text != "第二条" {
		t.Errorf("sent %+v, want the message once", s)
	}
	// Media downloads retry likewise.
	f.api.AddMedia("m1", []byte("jpeg"), "image/jpeg")
	f.api.ExpireTokens()
	if _, _, err := c.DownloadMedia(t.Context(), "m1"); err != nil {
		t.Fatalf("DownloadMedia with an expired token: %v", err)
	}
}

// TestStaleCachedToken: a cached token WeChat does not know (40001) is replaced and the call
// made again.
func TestStaleCachedToken(t *testing.T) {
	f := newAPIFixture(t)
	val := []byte(`{"token":"stale","good_til":"2999-01-01T00:00:00Z"}`)
	if _, err := f.kv.KVPut(t.Context(), "wechat:token:"+apiAppID, val, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.client().SendText(t.Context(), "openid-1", "x"); err != nil {
		t.Fatalf("SendText after a stale cached token: %v", err)
	}
	if n := f.api.TokenCount(); n != 1 {
		t.Errorf("%d tokens fetched, want 1", n)
	}
}

// TestRetryOnlyOnce: a call whose token is refused again after the refresh fails instead of
// looping.
func TestRetryOnlyOnce(t *testing.T) {
	f := newAPIFixture(t)
	f.api.FailSends(5, 40001)
	err := f.client().SendText(t.Context(), "openid-1", "x")
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40001 {
		t.Fatalf("SendText refused twice: %v; want APIError 40001", err)
	}
	if n := f.api.Count("/cgi-bin/message/custom/send"); n != 2 {
		t.Errorf("%d sends made, want 2 (the call and one retry)", n)
	}
}

// TestDownloadMedia: bytes and type come back, after the API's delay; a context that ends first
// ends the call.
func TestDownloadMedia(t *testing.T) {
	f := newAPIFixture(t)
	c := f.client()
	img := bytes.Repeat([]byte{0xff, 0xd8, 0x42}, 1000)
	f.api.AddMedia("media-1", img, "image/jpeg")
	f.api.SetMediaDelay(200 * time.Millisecond)
	start := time.Now()
	data, ctype, err := c.DownloadMedia(t.Context(), "media-1")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, img) || ctype != "image/jpeg" {
		t.Errorf("DownloadMedia: %d bytes of %q, want %d of image/jpeg", len(data), ctype, len(img))
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("the download took %v, less than the API's delay", d)
	}
	if f.api.MediaCount() != 1 {
		t.Errorf("MediaCount = %d, want 1", f.api.MediaCount())
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, _, err := c.DownloadMedia(ctx, "media-1"); !errors.Is(err, context.DeadlineExceeded) || !wechat.Retryable(err) {
		t.Errorf("DownloadMedia past its deadline: %v; want a retryable deadline error", err)
	}
	// An unknown media id is WeChat's error, not a file.
	_, _, err = c.DownloadMedia(t.Context(), "nope")
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40007 {
		t.Errorf("DownloadMedia of an unknown id: %v; want APIError 40007", err)
	}
}

// TestDownloadMediaTooLarge: a file over 10 MiB is refused.
func TestDownloadMediaTooLarge(t *testing.T) {
	f := newAPIFixture(t)
	f.api.AddMedia("big", make([]byte, wechat.MaxMediaSize+1), "video/mp4")
	f.api.AddMedia("edge", make([]byte, wechat.MaxMediaSize), "image/png")
	c := f.client()
	if _, _, err := c.DownloadMedia(t.Context(), "big"); err == nil || !strings.Contains(err.Error(), "10 MiB") {
		t.Errorf("DownloadMedia of 10 MiB + 1: %v; want a refusal naming the limit", err)
	}
	if data, _, err := c.DownloadMedia(t.Context(), "edge"); err != nil || len(data) != wechat.MaxMediaSize {
		t.Errorf("DownloadMedia of exactly 10 MiB: %d bytes, %v", len(data), err)
	}
}

// TestSendsRecorded: the fake receives exactly the JSON WeChat documents.
func TestSendsRecorded(t *testing.T) {
	f := newAPIFixture(t)
	c := f.client()
	ctx := t.Context()
	if err := c.SendText(ctx, "o-1", "您的诉求已受理 <编号> & 谢谢"); err != nil {
		t.Fatal(err)
	}
	wantAPIBody(t, f.api.LastBody("/cgi-bin/message/custom/send"),
		`{"touser":"o-1","msgtype":"text","text":{"content":"您的诉求已受理 <编号> & 谢谢"}}`)
	data := map[string]string{"first": "已派单", "keyword1": "2026-0001"}
	if err := c.SendTemplate(ctx, "o-2", "tpl-9", "https://hub.example/c?n=1&t=2", data); err != nil {
		t.Fatal(err)
	}
	wantAPIBody(t, f.api.LastBody("/cgi-bin/message/template/send"),
		`{"touser":"o-2","template_id":"tpl-9","url":"https://hub.example/c?n=1&t=2","data":{"first":{"value":"已派单"},"keyword1":{"value":"2026-0001"}}}`)
	if err := c.CreateMenu(ctx, wechat.DefaultMenu()); err != nil {
		t.Fatal(err)
	}
	wantAPIBody(t, f.api.Menu(), `{"button":[{"type":"click","name":"我要举报","key":"REPORT"},`+
		`{"type":"click","name":"我的诉求","key":"TRACK"},{"type":"click","name":"帮助","key":"HELP"}]}`)
	sent := f.api.Sent()
	if len(sent) != 2 || sent[0].Kind != "text" || sent[0].ToUser != "o-1" || sent[1].Kind != "template" ||
		sent[1].TemplateID != "tpl-9" || sent[1].Data["keyword1"] != "2026-0001" {
		t.Errorf("Sent() = %+v", sent)
	}
}

func wantAPIBody(t *testing.T, got []byte, want string) {
	t.Helper()
	if g := strings.TrimSpace(string(got)); g != want {
		t.Errorf("body sent:\n got %s\nwant %s", g, want)
	}
}

// TestErrors: errcodes become APIErrors that say whether to retry and whether the citizen is out
// of the service window.
func TestErrors(t *testing.T) {
	f := newAPIFixture(t)
	c := f.client()
	ctx := t.Context()
	for _, tc := range []struct {
		code             int
		retryable, outOf bool
	}{{-1, true, false}, {45009, true, false}, {45011, true, false}, {40003, false, false}, {45047, false, true}} {
		f.api.FailSends(1, tc.code)
		err := c.SendText(ctx, "o-1", "x")
		var ae *wechat.APIError
		if !errors.As(err, &ae) || ae.Code != tc.code {
			t.Errorf("errcode %d: error %v", tc.code, err)
			continue
		}
		if ae.Retryable() != tc.retryable || wechat.Retryable(err) != tc.retryable || wechat.OutsideServiceWindow(err) != tc.outOf {
			t.Errorf("errcode %d: Retryable %v, OutsideServiceWindow %v; want %v, %v", tc.code, ae.Retryable(),
				wechat.OutsideServiceWindow(err), tc.retryable, tc.outOf)
		}
		if !strings.Contains(err.Error(), "微信") || !strings.Contains(err.Error(), "WeChat API error") {
			t.Errorf("errcode %d: message %q is not bilingual", tc.code, err)
		}
	}
	f.api.OutsideWindow("o-gone")
	err := c.SendText(ctx, "o-gone", "x")
	if !wechat.OutsideServiceWindow(err) || wechat.Retryable(err) {
		t.Errorf("send outside the 48 h window: %v; want OutsideServiceWindow, not retryable", err)
	}
	if err := c.SendTemplate(ctx, "o-gone", "tpl", "", nil); err != nil {
		t.Errorf("a template message outside the window: %v", err)
	}
}

// TestBadCredentials: a wrong secret is WeChat's error, and neither the secret nor a token
// appears in any error or log line.
func TestBadCredentials(t *testing.T) {
	f := newAPIFixture(t)
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })

	c := wechat.NewClient(f.api.URL, apiAppID, "wrong-secret-xyz", f.kv, nil, nil)
	err := c.SendText(t.Context(), "o-1", "x")
	var ae *wechat.APIError
	if !errors.As(err, &ae) || ae.Code != 40125 {
		t.Fatalf("send with a wrong secret: %v; want APIError 40125", err)
	}
	// A network error quotes the URL in Go; the client must not.
	dead := wechat.NewClient("http://127.0.0.1:1", apiAppID, apiSecret, f.kv, &http.Client{Timeout: time.Second}, nil)
	_, err = dead.AccessToken(t.Context())
	if err == nil || !wechat.Retryable(err) {
		t.Fatalf("AccessToken of an unreachable API: %v; want a retryable error", err)
	}
	good := f.client()
	tok, terr := good.AccessToken(t.Context())
	if terr != nil {
		t.Fatal(terr)
	}
	f.api.ExpireTokens()
	_ = good.SendText(t.Context(), "o-1", "x")
	for _, s := range []string{err.Error(), logs.String()} {
		for _, secretish := range []string{apiSecret, "wrong-secret-xyz", tok} {
			if strings.Contains(s, secretish) {
				t.Errorf("%q leaks %q", s, secretish)
			}
		}
	}
}

// TestHTTPStatus: a 5xx answer is retryable.
func TestHTTPStatus(t *testing.T) {
	srv := http.NewServeMux()
	srv.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "busy", http.StatusBadGateway) })
	ts := newAPIServer(t, srv)
	c := wechat.NewClient(ts, apiAppID, apiSecret, dispatcher.NewMemoryKV(nil), nil, nil)
	_, err := c.AccessToken(t.Context())
	if err == nil || !wechat.Retryable(err) || !strings.Contains(err.Error(), "502") {
		t.Errorf("AccessToken against a 502: %v; want a retryable error naming the status", err)
	}
}

// newAPIServer serves h until the test ends and returns its URL.
func newAPIServer(t *testing.T, h http.Handler) string {
	t.Helper()
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts.URL
}
