package wechat

import (
	"bytes"
	"encoding/xml"
	"net/http/httptest"
	"strings"
	"testing"
)

// Seeds shared by the fuzz targets: every vector and sample, and the malformed cases of the
// refusal tests.
func xmlSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"text.xml", "image.xml", "voice-recognition.xml", "location.xml", "link.xml", "event-subscribe.xml",
		"event-location.xml", "event-click.xml", "real-text-book.xml", "official-sample-decrypted-text.xml", "reply-text.xml"} {
		b := readSample(t, name)
		seeds = append(seeds, b, b[:len(b)/2])
	}
	ok := textXML("a]]>b", 1<<63+1, testNow.Unix())
	seeds = append(seeds,
		[]byte(`<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]>`+ok),
		[]byte(`<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><xml><Content>&lol2;</Content></xml>`),
		[]byte(ok+ok), []byte(strings.Replace(ok, ">gh_", ">&e;", 1)), []byte(""), []byte("<xml>"), []byte("<?xml version=\"1.0\" encoding=\"GBK\"?>"+ok))
	return seeds
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range xmlSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMessage(body)
		if err != nil {
			return
		}
		if m.ToUserName == "" || m.FromUserName == "" || m.MsgType == "" || (m.MsgType == "event" && (m.Event == "" || m.MsgID != 0)) {
			t.Fatalf("accepted an incomplete message %+v", m)
		}
		if bytes.Contains(body, []byte("<!")) && !bytes.Contains(body, []byte("<![CDATA[")) && !bytes.Contains(body, []byte("<!--")) {
			t.Fatalf("accepted a declaration: %q", body)
		}
		// Whatever was accepted can be answered: the reply is XML and carries the text back.
		var r replyXML
		if err := xml.Unmarshal(textReply(m, m.Content, 1), &r); err != nil {
			t.Fatalf("reply to %q is not XML: %v", body, err)
		}
		want := strings.ReplaceAll(strings.ReplaceAll(xmlSafe(m.Content), "\r\n", "\n"), "\r", "\n")
		if r.Content != want || r.ToUserName != strings.ReplaceAll(strings.ReplaceAll(xmlSafe(m.FromUserName), "\r\n", "\n"), "\r", "\n") {
			t.Fatalf("reply %+v to %+v", r, m)
		}
	})
}

func FuzzDecrypt(f *testing.F) {
	c := mustCrypter(f, testKey, testAppID)
	v := loadVector(f, "official-python-sample-text.json")
	f.Add(v.Encrypt, []byte(v.PlaintextXML))
	f.Add(v.Encrypt[:len(v.Encrypt)/2], []byte{})
	f.Add(v.Encrypt[:24], []byte("x"))
	f.Add(sealRaw(c, append(padded(layout(5, "hello", testAppID), 20), 0)), []byte("pad 0"))
	f.Add(sealRaw(c, padded(layout(5, "hello", "wx2c2769f8efd9abc3"), 21)), []byte("wrong appid"))
	f.Add(sealRaw(c, padded(layout(1<<31, "hello", testAppID), 21)), []byte("length"))
	f.Add("!!!!", []byte("bad base64"))
	f.Add(base64Of(make([]byte, 40)), []byte("not 16"))
	f.Fuzz(func(t *testing.T, enc string, msg []byte) {
		if plain, err := c.decrypt(enc); err == nil && len(plain) > len(enc) {
			t.Fatalf("decrypted %d bytes out of %d characters", len(plain), len(enc))
		}
		back, err := c.decrypt(c.encrypt(freshRandom(), msg))
		if err != nil || !bytes.Equal(back, msg) {
			t.Fatalf("round trip of %q: %q, %v", msg, back, err)
		}
	})
}

// FuzzWebhookPOST posts fuzzed queries and bodies to a compatible-mode webhook (both paths open):
// it never panics nor answers 5xx, and a refused request never reaches the Responder.
func FuzzWebhookPOST(f *testing.F) {
	c := mustCrypter(f, testKey, testAppID)
	now := testNow.Unix()
	enc := c.encrypt([]byte("0123456789abcdef"), []byte(textXML("路灯坏了", 99, now)))
	add := func(target, body string) {
		_, query, _ := strings.Cut(target, "?")
		f.Add(query, []byte(body))
	}
	add(encURL("spamtest", now, "9", enc), safeBody(enc))
	add(encURL("spamtest", now, "9", enc), strings.TrimSuffix(textXML("路灯坏了", 99, now), "</xml>")+"<Encrypt>"+enc+"</Encrypt></xml>")
	add(plainURL("spamtest", now, "9"), textXML("路灯坏了", 99, now))
	add(plainURL("spamtest", now-3600, "9"), textXML("路灯坏了", 99, now))
	add(encURL("forged", now, "9", enc), safeBody(enc))
	add(encURL("spamtest", now, "9", enc), safeBody(enc)[:40])
	add(encURL("spamtest", now, "9", enc), `<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>`+safeBody(enc))
	for _, bad := range []string{sealRaw(c, append(padded(layout(5, "hello", testAppID), 20), 0)),
		sealRaw(c, padded(layout(5, "hello", "wx2c2769f8efd9abc3"), 21)), sealRaw(c, padded(layout(999, "hello", testAppID), 21)), "!!!!"} {
		add(encURL("spamtest", now, "9", bad), safeBody(bad))
	}
	add(encURL("spamtest", now, "9", enc), "<xml><Encrypt>"+strings.Repeat("A", MaxBodyBytes)+"</Encrypt></xml>")
	for _, s := range xmlSeeds(f) {
		add(plainURL("spamtest", now, "9"), string(s))
	}
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		fx := newFixture(t, Config{Token: "spamtest", AppID: testAppID, AESKey: testKey, Mode: ModeCompatible})
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/wechat", bytes.NewReader(body))
		req.URL.RawQuery = query // as sent: no request-line parsing to trip over
		fx.w.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%d %q", rec.Code, rec.Body)
		case rec.Code != 200 && fx.r.calls() != 0:
			t.Fatalf("refused (%d %q) but the Responder was called", rec.Code, rec.Body)
		case rec.Code == 200 && fx.r.calls() != 1:
			t.Fatalf("answered without the Responder")
		case rec.Code != 200 && !strings.Contains(rec.Body.String(), " ("):
			t.Fatalf("refusal without a bilingual text: %d %q", rec.Code, rec.Body)
		}
	})
}
