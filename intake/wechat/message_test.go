package wechat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every sample of testdata decodes to the fields its page shows.
func TestParseSamples(t *testing.T) {
	tests := []struct {
		file string
		want Message
	}{
		{"text.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: "text", Content: "this is a test", MsgID: 1234567890123456}},
		{"image.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1348831860, MsgType: "image", PicURL: "this is a url", MediaID: "media_id", MsgID: 1234567890123456}},
		{"voice-recognition.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1357290913, MsgType: "voice", MediaID: "media_id", Format: "Format", Recognition: "腾讯微信团队", MsgID: 1234567890123456}},
		{"location.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: "location", LocationX: 23.134521, LocationY: 113.358803, Scale: 20, Label: "位置信息", MsgID: 1234567890123456}},
		{"link.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 1351776360, MsgType: "link", Title: "公众平台官网链接", Description: "公众平台官网链接", URL: "url", MsgID: 1234567890123456}},
		{"event-subscribe.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: "event", Event: "subscribe"}},
		{"event-location.xml", Message{ToUserName: "toUser", FromUserName: "fromUser", CreateTime: 123456789, MsgType: "event", Event: "LOCATION", Latitude: 23.137466, Longitude: 113.352425, Precision: 119.385040}},
		{"event-click.xml", Message{ToUserName: "toUser", FromUserName: "FromUser", CreateTime: 123456789, MsgType: "event", Event: "CLICK", EventKey: "EVENTKEY"}},
		{"real-text-book.xml", Message{ToUserName: "gh_680bdefc8c5d", FromUserName: "oIDrpjqASyTPnxRmpS9O_ruZGsfk", CreateTime: 1359028446, MsgType: "text", Content: "微信公众平台开发教程", MsgID: 5836982729904121631}},
		{"official-sample-decrypted-text.xml", Message{ToUserName: "gh_10f6c3c3ac5a", FromUserName: "oyORnuP8q7ou2gfYjqLzSIWZf0rs", CreateTime: 1409735668, MsgType: "text", Content: "abcdteT", MsgID: 6054768590064713728}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := ParseMessage(readSample(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if *m != tt.want {
				t.Errorf("got  %+v\nwant %+v", *m, tt.want)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	m, err := ParseMessage([]byte(`<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>
<CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a]]></Content><MsgId>18446744073709551615</MsgId></xml>`))
	if err != nil || m.MsgID != 1<<64-1 {
		t.Fatalf("MsgId above 2^63: %+v %v", m, err)
	}
	m, err = ParseMessage([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>2</CreateTime>
<MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_123</EventKey><Ticket>TICKET</Ticket><MsgId>77</MsgId></xml>`))
	if err != nil || m.EventKey != "qrscene_123" || m.Ticket != "TICKET" || m.MsgID != 0 {
		t.Fatalf("subscribe by QR: %+v %v", m, err)
	}
	for _, v := range []string{"video", "shortvideo"} {
		m, err = ParseMessage([]byte(`<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>2</CreateTime>
<MsgType>` + v + `</MsgType><MediaId>m</MediaId><ThumbMediaId>th</ThumbMediaId><MsgId>9</MsgId></xml>`))
		if err != nil || m.MediaID != "m" || m.ThumbMediaID != "th" || m.MsgType != v {
			t.Fatalf("%s: %+v %v", v, m, err)
		}
	}
}

func TestDedupKey(t *testing.T) {
	tests := []struct {
		m    Message
		want string
	}{
		{Message{MsgType: "text", MsgID: 1<<64 - 1, FromUserName: "o"}, "msg:18446744073709551615"},
		{Message{MsgType: "event", Event: "CLICK", FromUserName: "o1", CreateTime: 5}, "event:o1:5:CLICK"},
		{Message{MsgType: "text", FromUserName: "o1", CreateTime: 5}, "msg:o1:5:text"},
	}
	for _, tt := range tests {
		if got := tt.m.DedupKey(); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.m, got, tt.want)
		}
	}
}

// What is not one plain <xml> message is refused, and says why.
func TestParseRefusals(t *testing.T) {
	const ok = `<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><MsgId>1</MsgId></xml>`
	if _, err := ParseMessage([]byte(ok)); err != nil {
		t.Fatalf("baseline refused: %v", err)
	}
	tests := []struct{ name, body, why string }{
		{"doctype", `<!DOCTYPE xml [<!ENTITY e "x">]>` + ok, "DOCTYPE"},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><ToUserName>&e;</ToUserName></xml>`, "DOCTYPE"},
		{"undefined entity", strings.Replace(ok, ">gh<", ">&e;<", 1), "invalid XML"},
		{"two roots", ok + ok, "single <xml>"},
		{"other root", strings.ReplaceAll(ok, "xml>", "msg>"), "single <xml>"},
		{"namespaced root", strings.Replace(strings.Replace(ok, "<xml>", `<x:xml xmlns:x="u">`, 1), "</xml>", "</x:xml>", 1), "single <xml>"},
		{"text after", ok + "junk", "single <xml>"},
		{"truncated", ok[:len(ok)-3], ""},
		{"empty", "", "single <xml>"},
		{"no MsgType", strings.Replace(ok, "<MsgType>text</MsgType>", "", 1), "MsgType"},
		{"event without Event", strings.Replace(ok, ">text<", ">event<", 1), "Event"},
		{"MsgId over 64 bits", strings.Replace(ok, "<MsgId>1<", "<MsgId>18446744073709551616<", 1), "MsgId"},
		{"negative MsgId", strings.Replace(ok, "<MsgId>1<", "<MsgId>-1<", 1), "MsgId"},
		{"no CreateTime", strings.Replace(ok, "<CreateTime>1</CreateTime>", "", 1), "CreateTime"},
		{"NaN latitude", strings.Replace(ok, "</xml>", "<Location_X>NaN</Location_X></xml>", 1), "Location_X"},
		{"bad scale", strings.Replace(ok, "</xml>", "<Scale>big</Scale></xml>", 1), "Scale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMessage([]byte(tt.body))
			if dispatcher.ErrorCode(err) != dispatcher.EInvalid || !strings.Contains(dispatcher.ErrorMessage(err), tt.why) {
				t.Errorf("err %v, want invalid about %q", err, tt.why)
			}
		})
	}
}
