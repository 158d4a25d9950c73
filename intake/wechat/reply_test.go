package wechat

import (
	"encoding/xml"
	"strings"
	"testing"
)

type replyXML struct {
	ToUserName, FromUserName, MsgType, Content string
	CreateTime                                 int64
}

func TestTextReplyShape(t *testing.T) {
	m := &Message{ToUserName: "gh_97417a04a28d", FromUserName: "o9AgO5Kd5ggOC-bXrbNODIiE3bGY"}
	got := string(textReply(m, "你好", 12345678))
	want := `<xml><ToUserName><![CDATA[o9AgO5Kd5ggOC-bXrbNODIiE3bGY]]></ToUserName><FromUserName><![CDATA[gh_97417a04a28d]]></FromUserName><CreateTime>12345678</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// The official sample (testdata/reply-text.xml) decodes to the same fields as ours.
	var sample, ours replyXML
	if err := xml.Unmarshal(readSample(t, "reply-text.xml"), &sample); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(textReply(&Message{ToUserName: "fromUser", FromUserName: "toUser"}, "你好", 12345678), &ours); err != nil {
		t.Fatal(err)
	}
	if sample != ours {
		t.Errorf("ours %+v, sample %+v", ours, sample)
	}
}

// Content that would break out of CDATA, or that XML cannot carry, comes back as written (or
// with U+FFFD for what XML cannot carry) and cannot add elements.
func TestTextReplyEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a]]>b", "a]]>b"},
		{"]]>", "]]>"},
		{"]]]]>>", "]]]]>>"},
		{"x]]><MsgType>news</MsgType><![CDATA[", "x]]><MsgType>news</MsgType><![CDATA["},
		{"行1\n行2\t<&>", "行1\n行2\t<&>"},
		{"bell\x07 nul\x00 \xff", "bell\uFFFD nul\uFFFD \uFFFD"},
	}
	for _, tt := range tests {
		m := &Message{ToUserName: "gh]]>x", FromUserName: "o"}
		var r replyXML
		if err := xml.Unmarshal(textReply(m, tt.in, 1), &r); err != nil {
			t.Errorf("%q: reply is not XML: %v", tt.in, err)
			continue
		}
		if r.Content != tt.want || r.MsgType != "text" || r.FromUserName != "gh]]>x" {
			t.Errorf("%q: got %+v, want content %q", tt.in, r, tt.want)
		}
	}
	if strings.Count(string(textReply(&Message{}, "]]>", 1)), "<MsgType>") != 1 {
		t.Error("escaped content added an element")
	}
}
