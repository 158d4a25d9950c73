package wechat

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// recorder is a Responder that remembers what it was asked.
type recorder struct {
	mu    sync.Mutex
	seen  []Message
	reply func(*Message) (Reply, error)
}

func (r *recorder) Respond(_ context.Context, m *Message) (Reply, error) {
	r.mu.Lock()
	r.seen = append(r.seen, *m)
	r.mu.Unlock()
	if r.reply == nil {
		return Reply{Text: "收到：" + m.Content}, nil
	}
	return r.reply(m)
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *recorder) last(t testing.TB) Message {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.seen) == 0 {
		t.Fatal("Responder not called")
	}
	return r.seen[len(r.seen)-1]
}

// fixture is a webhook on a fixed clock with a log kept in a buffer.
type fixture struct {
	w   *Webhook
	r   *recorder
	kv  *dispatcher.MemoryKV
	log *syncBuffer
	now time.Time
	cfg Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var testNow = time.Unix(1714112445, 0)

func newFixture(t testing.TB, cfg Config) *fixture {
	t.Helper()
	f := &fixture{r: &recorder{}, kv: dispatcher.NewMemoryKV(nil), log: &syncBuffer{}, now: testNow, cfg: cfg.WithDefaults()}
	w, err := NewWebhook(cfg, f.r, f.kv, slog.New(slog.NewTextHandler(f.log, nil)), func() time.Time { return f.now })
	if err != nil {
		t.Fatal(err)
	}
	f.w = w
	return f
}

func safeConfig() Config {
	return Config{Token: "spamtest", AppID: testAppID, AESKey: testKey, Mode: ModeSafe}
}

// plainURL is a plaintext-mode push URL signed with token at ts.
func plainURL(token string, ts int64, nonce string) string {
	t := strconv.FormatInt(ts, 10)
	return "/wechat?" + url.Values{"signature": {Signature(token, t, nonce)}, "timestamp": {t}, "nonce": {nonce}, "openid": {"oSECRETOPENID1234"}}.Encode()
}

// encURL is a safe-mode push URL for the Encrypt text enc.
func encURL(token string, ts int64, nonce, enc string) string {
	t := strconv.FormatInt(ts, 10)
	return "/wechat?" + url.Values{"signature": {Signature(token, t, nonce)}, "timestamp": {t}, "nonce": {nonce},
		"openid": {"oSECRETOPENID1234"}, "encrypt_type": {"aes"}, "msg_signature": {Signature(token, t, nonce, enc)}}.Encode()
}

func safeBody(enc string) string {
	return "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt></xml>"
}

func do(h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, strings.NewReader(body)))
	return rec
}

// textXML is a text message from openid "oSECRETOPENID1234".
func textXML(content string, msgID uint64, created int64) string {
	return "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><FromUserName><![CDATA[oSECRETOPENID1234]]></FromUserName>" +
		"<CreateTime>" + strconv.FormatInt(created, 10) + "</CreateTime><MsgType><![CDATA[text]]></MsgType>" +
		"<Content><![CDATA[" + content + "]]></Content><MsgId>" + strconv.FormatUint(msgID, 10) + "</MsgId></xml>"
}

// postSafe encrypts plain with a fresh random and posts it in safe mode.
func (f *fixture) postSafe(plain string) *httptest.ResponseRecorder {
	c, _ := newCrypter(f.cfg.AESKey, f.cfg.AppID)
	enc := c.encrypt(freshRandom(), []byte(plain))
	return do(f.w, "POST", encURL(f.cfg.Token, f.now.Unix(), freshNonce(), enc), safeBody(enc))
}

// encryptedReply checks an encrypted reply's envelope and signature and returns the inner reply.
func (f *fixture) encryptedReply(t testing.TB, rec *httptest.ResponseRecorder) (replyXML, string) {
	t.Helper()
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	var env struct {
		Encrypt, MsgSignature, TimeStamp, Nonce string
	}
	if err := xml.Unmarshal(rec.Body.Bytes(), &env); err != nil {
		t.Fatalf("reply %q: %v", rec.Body, err)
	}
	if Signature(f.cfg.Token, env.TimeStamp, env.Nonce, env.Encrypt) != env.MsgSignature {
		t.Fatalf("reply msg_signature does not verify")
	}
	c, _ := newCrypter(f.cfg.AESKey, f.cfg.AppID)
	plain, err := c.decrypt(env.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	var r replyXML
	if err := xml.Unmarshal(plain, &r); err != nil {
		t.Fatal(err)
	}
	return r, env.Encrypt
}

var errBusy = errors.New("busy")

func base64Of(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
