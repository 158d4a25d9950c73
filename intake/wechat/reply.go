package wechat

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Responder answers a message: the conversation. An error means "could not handle now":
// the webhook answers 500 (WeChat retries) and releases the claim so a retry may handle it.
type Responder interface {
	Respond(ctx context.Context, m *Message) (Reply, error)
}

// Reply is the passive reply; empty Text answers "success" (WeChat shows nothing).
type Reply struct{ Text string }

// textReply is the passive text reply to m: To and From swapped, as WeChat requires.
func textReply(m *Message, text string, now int64) []byte {
	var b strings.Builder
	b.WriteString("<xml><ToUserName>")
	cdata(&b, m.FromUserName)
	b.WriteString("</ToUserName><FromUserName>")
	cdata(&b, m.ToUserName)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(now, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>")
	cdata(&b, text)
	b.WriteString("</Content></xml>")
	return []byte(b.String())
}

// cdata writes s as CDATA sections. A "]]>" inside would end the section early, so the section is
// split between "]]" and ">"; characters XML 1.0 forbids (control characters, invalid UTF-8),
// which no CDATA can carry, become U+FFFD.
func cdata(b *strings.Builder, s string) {
	b.WriteString("<![CDATA[")
	b.WriteString(strings.ReplaceAll(xmlSafe(s), "]]>", "]]]]><![CDATA[>"))
	b.WriteString("]]>")
}

// xmlSafe replaces what is not an XML 1.0 Char (strings.Map already turns invalid UTF-8 into
// U+FFFD).
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
			return utf8.RuneError
		}
		return r
	}, s)
}
