package wechat

import (
	"encoding/json"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The official GET example (url-signature.json, first case) echoes echostr verbatim.
func TestGetVerify(t *testing.T) {
	var v struct {
		Cases []struct{ Token, Timestamp, Nonce, Signature, Echostr string }
	}
	b, _ := os.ReadFile("testdata/url-signature.json")
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	c := v.Cases[0]
	f := newFixture(t, Config{Token: c.Token, AppID: testAppID})
	ts, _ := strconv.ParseInt(c.Timestamp, 10, 64)
	f.now = time.Unix(ts, 0)
	q := url.Values{"signature": {c.Signature}, "timestamp": {c.Timestamp}, "nonce": {c.Nonce}, "echostr": {c.Echostr}}
	rec := do(f.w, "GET", "/wechat?"+q.Encode(), "")
	if rec.Code != 200 || rec.Body.String() != "4375120948345356249" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("verify: %d %q %s", rec.Code, rec.Body, rec.Header().Get("Content-Type"))
	}
	// The same check in safe mode: the Official Account's echostr is plain there too.
	s := newFixture(t, Config{Token: c.Token, AppID: testAppID, AESKey: testKey})
	s.now = f.now
	if rec := do(s.w, "GET", "/wechat?"+q.Encode(), ""); rec.Body.String() != c.Echostr {
		t.Errorf("safe mode verify: %d %q", rec.Code, rec.Body)
	}
	tests := []struct {
		name   string
		edit   func(url.Values)
		status int
		why    string
	}{
		{"forged", func(q url.Values) { q.Set("signature", strings.Repeat("0", 40)) }, 401, "签名无效 (invalid signature)"},
		{"no signature", func(q url.Values) { q.Del("signature") }, 401, "invalid signature"},
		{"other nonce", func(q url.Values) { q.Set("nonce", "1") }, 401, "invalid signature"},
		{"no echostr", func(q url.Values) { q.Del("echostr") }, 400, "echostr"},
	}
	for _, tt := range tests {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		tt.edit(q2)
		rec := do(f.w, "GET", "/wechat?"+q2.Encode(), "")
		if rec.Code != tt.status || !strings.Contains(rec.Body.String(), tt.why) || strings.Contains(rec.Body.String(), c.Echostr) {
			t.Errorf("%s: %d %q", tt.name, rec.Code, rec.Body)
		}
	}
	f.now = f.now.Add(6 * time.Minute)
	if rec := do(f.w, "GET", "/wechat?"+q.Encode(), ""); rec.Code != 403 || !strings.Contains(rec.Body.String(), "window") {
		t.Errorf("stale GET: %d %q", rec.Code, rec.Body)
	}
	if rec := do(f.w, "PUT", "/wechat", ""); rec.Code != 405 || rec.Header().Get("Allow") != "GET, POST" {
		t.Errorf("PUT: %d", rec.Code)
	}
}

// The official Python sample through the webhook: its body (plaintext fields and Encrypt, the
// compatible-mode shape) with its msg_signature, and the safe-mode shape of the same Encrypt.
func TestOfficialSampleThroughWebhook(t *testing.T) {
	v := loadVector(t, "official-python-sample-text.json")
	q := "/wechat?" + url.Values{"signature": {v.Signature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce},
		"encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}, "openid": {"oyORnuP8q7ou2gfYjqLzSIWZf0rs"}}.Encode()
	ts, _ := strconv.ParseInt(v.Timestamp, 10, 64)
	for _, tc := range []struct{ mode, body string }{{ModeCompatible, v.PostBody}, {ModeSafe, safeBody(v.Encrypt)}} {
		f := newFixture(t, Config{Token: v.Token, AppID: v.AppID, AESKey: v.EncodingAESKey, Mode: tc.mode})
		f.now = time.Unix(ts, 0)
		rec := do(f.w, "POST", q, tc.body)
		m := f.r.last(t)
		if m.Content != "abcdteT" || m.MsgID != 6054768590064713728 || m.FromUserName != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" || m.ToUserName != "gh_10f6c3c3ac5a" {
			t.Errorf("%s: message %+v", tc.mode, m)
		}
		r, _ := f.encryptedReply(t, rec)
		if r.ToUserName != "oyORnuP8q7ou2gfYjqLzSIWZf0rs" || r.FromUserName != "gh_10f6c3c3ac5a" || r.Content != "收到：abcdteT" || r.CreateTime != ts {
			t.Errorf("%s: reply %+v", tc.mode, r)
		}
	}
}

// In compatible mode the decrypted copy wins over the (unauthenticated) plaintext fields.
func TestCompatibleUsesDecrypted(t *testing.T) {
	v := loadVector(t, "official-python-sample-text.json")
	f := newFixture(t, Config{Token: v.Token, AppID: v.AppID, AESKey: v.EncodingAESKey, Mode: ModeCompatible})
	ts, _ := strconv.ParseInt(v.Timestamp, 10, 64)
	f.now = time.Unix(ts, 0)
	forged := strings.Replace(v.PostBody, "abcdteT", "FORGED", 1)
	q := "/wechat?" + url.Values{"timestamp": {v.Timestamp}, "nonce": {v.Nonce}, "encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}}.Encode()
	do(f.w, "POST", q, forged)
	if m := f.r.last(t); m.Content != "abcdteT" {
		t.Errorf("content %q: the plaintext copy was used", m.Content)
	}
}

// The official doc's worked example verifies and decrypts in the webhook; its message is JSON
// (the mini-program push format), which an Official Account never sends, so it is then refused as
// not XML: the refusal names the shape, not the signature, the AppID nor the padding.
func TestOfficialDocVectorThroughWebhook(t *testing.T) {
	v := loadVector(t, "official-doc-message-push-aes.json")
	f := newFixture(t, Config{Token: v.Token, AppID: v.AppID, AESKey: v.EncodingAESKey})
	q := "/wechat?" + url.Values{"signature": {v.Signature}, "timestamp": {v.Timestamp}, "nonce": {v.Nonce},
		"encrypt_type": {"aes"}, "msg_signature": {v.MsgSignature}}.Encode()
	rec := do(f.w, "POST", q, safeBody(v.Encrypt))
	if rec.Code != 400 || !strings.Contains(rec.Body.String(), "single <xml>") || f.r.calls() != 0 {
		t.Fatalf("%d %q", rec.Code, rec.Body)
	}
	f.w.cfg.Token = "BBBBB"
	if rec := do(f.w, "POST", q, safeBody(v.Encrypt)); rec.Code != 401 {
		t.Fatalf("other token: %d %q", rec.Code, rec.Body)
	}
}

func TestTimestampWindow(t *testing.T) {
	for _, mode := range []string{ModeSafe, ModePlaintext} {
		cfg := safeConfig()
		cfg.Mode = mode
		f := newFixture(t, cfg)
		for i, skew := range []time.Duration{-5 * time.Minute, 5 * time.Minute, -5*time.Minute - time.Second, 5*time.Minute + time.Second, -24 * time.Hour} {
			ts := f.now.Add(skew).Unix()
			plain := textXML("hi", uint64(100+i), ts)
			var target, body string
			if mode == ModeSafe {
				c, _ := newCrypter(cfg.AESKey, cfg.AppID)
				enc := c.encrypt(freshRandom(), []byte(plain))
				target, body = encURL(cfg.Token, ts, "42", enc), safeBody(enc)
			} else {
				target, body = plainURL(cfg.Token, ts, "42"), plain
			}
			before := f.r.calls()
			rec := do(f.w, "POST", target, body)
			inWindow := i < 2
			if inWindow && (rec.Code != 200 || f.r.calls() != before+1) {
				t.Errorf("%s skew %s: %d %q", mode, skew, rec.Code, rec.Body)
			}
			if !inWindow && (rec.Code != 403 || !strings.Contains(rec.Body.String(), "timestamp outside") || f.r.calls() != before) {
				t.Errorf("%s skew %s: %d %q, want 403", mode, skew, rec.Code, rec.Body)
			}
		}
		rec := do(f.w, "POST", "/wechat?"+url.Values{"timestamp": {"soon"}, "nonce": {"1"}, "signature": {Signature(cfg.Token, "soon", "1")}}.Encode(), textXML("x", 1, 1))
		if mode == ModePlaintext && rec.Code != 401 {
			t.Errorf("non-numeric timestamp: %d", rec.Code)
		}
	}
}

func TestModeRules(t *testing.T) {
	tests := []struct {
		cfg            Config
		plain, crypted int
	}{
		{Config{Mode: ModeSafe, AESKey: testKey}, 403, 200},
		{Config{AESKey: testKey}, 403, 200}, // "" with a key is safe
		{Config{Mode: ModeCompatible, AESKey: testKey}, 200, 200},
		{Config{Mode: ModePlaintext, AESKey: testKey}, 200, 403},
		{Config{}, 200, 403}, // "" without a key is plaintext
	}
	for i, tt := range tests {
		tt.cfg.Token, tt.cfg.AppID = "spamtest", testAppID
		f := newFixture(t, tt.cfg)
		f.cfg.AESKey = testKey // the sender encrypts with it whatever the receiver's mode
		rec := do(f.w, "POST", plainURL("spamtest", f.now.Unix(), "7"), textXML("plain", uint64(2*i+1), f.now.Unix()))
		if rec.Code != tt.plain {
			t.Errorf("%+v plaintext POST: %d %q", tt.cfg, rec.Code, rec.Body)
		}
		if rec.Code == 200 && !strings.Contains(rec.Body.String(), "<Content><![CDATA[收到：plain]]></Content>") {
			t.Errorf("%+v: plaintext push not answered in plaintext: %q", tt.cfg, rec.Body)
		}
		if rec.Code == 403 && !strings.Contains(rec.Body.String(), "safe mode") {
			t.Errorf("%+v: unclear refusal %q", tt.cfg, rec.Body)
		}
		rec = f.postSafe(textXML("secret", uint64(2*i+2), f.now.Unix()))
		if rec.Code != tt.crypted {
			t.Errorf("%+v encrypted POST: %d %q", tt.cfg, rec.Code, rec.Body)
		}
		if rec.Code == 200 {
			if r, _ := f.encryptedReply(t, rec); r.Content != "收到：secret" {
				t.Errorf("%+v: reply %+v", tt.cfg, r)
			}
		}
		if rec.Code == 403 && !strings.Contains(rec.Body.String(), "plaintext mode") {
			t.Errorf("%+v: unclear refusal %q", tt.cfg, rec.Body)
		}
	}
}

// Every refusal is a 4xx with a bilingual text, reaches no Responder and logs neither the
// content nor the OpenID.
func TestRefusalsCallNoResponder(t *testing.T) {
	f := newFixture(t, safeConfig())
	c, _ := newCrypter(testKey, testAppID)
	now := f.now.Unix()
	good := c.encrypt(freshRandom(), []byte(textXML("秘密内容", 1, now)))
	otherApp, _ := newCrypter(testKey, "wx0000000000000000")
	wrongApp := otherApp.encrypt(freshRandom(), []byte(textXML("秘密内容", 1, now)))
	signed := func(enc string) (string, string) { return encURL("spamtest", now, "9", enc), safeBody(enc) }
	type req struct{ target, body string }
	mk := func(enc string) req { a, b := signed(enc); return req{a, b} }
	short := base64Of(make([]byte, 40))
	badPad := sealRaw(c, append(padded(layout(5, "hello", testAppID), 20), 99))
	tests := []struct {
		name   string
		r      req
		status int
		why    string
	}{
		{"forged msg_signature", req{strings.Replace(mk(good).target, "msg_signature=", "msg_signature=0", 1), safeBody(good)}, 401, "invalid signature"},
		{"msg_signature of another Encrypt", req{encURL("spamtest", now, "9", "x"), safeBody(good)}, 401, "invalid signature"},
		{"other token", req{encURL("other", now, "9", good), safeBody(good)}, 401, "invalid signature"},
		{"bad base64", mk("!!!!" + good[4:]), 400, "base64"},
		{"not a multiple of 16", mk(short), 400, "multiple of 16"},
		{"bad padding", mk(badPad), 400, "padding"},
		{"length beyond data", mk(sealRaw(c, padded(layout(9999, "hello", testAppID), 21))), 400, "length beyond"},
		{"wrong AppID", mk(wrongApp), 403, "AppID"},
		{"no Encrypt", req{encURL("spamtest", now, "9", ""), "<xml><ToUserName>gh</ToUserName></xml>"}, 400, "Encrypt"},
		{"doctype", req{mk(good).target, `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + safeBody(good)}, 400, "DOCTYPE"},
		{"two elements", req{mk(good).target, safeBody(good) + safeBody(good)}, 400, "single <xml>"},
		{"truncated", req{mk(good).target, safeBody(good)[:60]}, 400, "invalid XML"},
		{"oversized", req{mk(good).target, "<xml><Encrypt>" + strings.Repeat("A", MaxBodyBytes) + "</Encrypt></xml>"}, 413, "larger than"},
		{"plaintext in safe mode", req{plainURL("spamtest", now, "9"), textXML("秘密内容", 1, now)}, 403, "safe mode"},
		{"unknown encrypt_type", req{strings.Replace(mk(good).target, "encrypt_type=aes", "encrypt_type=des", 1), safeBody(good)}, 400, "encrypt_type"},
	}
	for _, tt := range tests {
		rec := do(f.w, "POST", tt.r.target, tt.r.body)
		body := rec.Body.String()
		if rec.Code != tt.status || !strings.Contains(body, tt.why) || !strings.Contains(body, " (") || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q, want %d about %q", tt.name, rec.Code, body, tt.status, tt.why)
		}
	}
	if f.r.calls() != 0 {
		t.Fatalf("a refused request reached the Responder %d times", f.r.calls())
	}
	logs := f.log.String()
	if strings.Count(logs, "request refused") != len(tests) || strings.Contains(logs, "秘密内容") || strings.Contains(logs, "oSECRETOPENID1234") {
		t.Errorf("logs:\n%s", logs)
	}
	// The good one passes, so each refusal above is for its own defect.
	if rec := do(f.w, "POST", mk(good).target, safeBody(good)); rec.Code != 200 || f.r.calls() != 1 {
		t.Fatalf("good: %d %q", rec.Code, rec.Body)
	}
}

func TestEmptyReplyIsSuccess(t *testing.T) {
	for _, mode := range []string{ModeSafe, ModePlaintext} {
		cfg := safeConfig()
		cfg.Mode = mode
		f := newFixture(t, cfg)
		f.r.reply = func(*Message) (Reply, error) { return Reply{}, nil }
		var rec = f.postSafe(textXML("x", 5, f.now.Unix()))
		if mode == ModePlaintext {
			rec = do(f.w, "POST", plainURL(cfg.Token, f.now.Unix(), "1"), textXML("x", 5, f.now.Unix()))
		}
		if rec.Code != 200 || rec.Body.String() != "success" {
			t.Errorf("%s: %d %q", mode, rec.Code, rec.Body)
		}
	}
}

// A Responder error is a 500 (WeChat retries) and frees the claim: the retry is handled.
func TestResponderErrorReleasesClaim(t *testing.T) {
	f := newFixture(t, safeConfig())
	fail := true
	f.r.reply = func(m *Message) (Reply, error) {
		if fail {
			return Reply{}, errBusy
		}
		return Reply{Text: "好的"}, nil
	}
	msg := textXML("秘密内容", 77, f.now.Unix())
	if rec := f.postSafe(msg); rec.Code != 500 || !strings.Contains(rec.Body.String(), "(") {
		t.Fatalf("first: %d %q", rec.Code, rec.Body)
	}
	fail = false
	r, _ := f.encryptedReply(t, f.postSafe(msg))
	if r.Content != "好的" || f.r.calls() != 2 {
		t.Fatalf("retry: %+v, %d calls", r, f.r.calls())
	}
	if logs := f.log.String(); !strings.Contains(logs, "busy") || strings.Contains(logs, "秘密内容") || strings.Contains(logs, "oSECRETOPENID1234") {
		t.Errorf("logs:\n%s", logs)
	}
}

func TestNewWebhookChecks(t *testing.T) {
	if _, err := NewWebhook(Config{Token: "x"}, &recorder{}, nil, nil, nil); err == nil {
		t.Error("bad config accepted")
	}
	if _, err := NewWebhook(safeConfig(), &recorder{}, nil, nil, nil); err == nil {
		t.Error("nil KV accepted")
	}
	if _, err := NewWebhook(safeConfig(), nil, newFixture(t, safeConfig()).kv, nil, nil); err == nil {
		t.Error("nil Responder accepted")
	}
}
