package wechat

import (
	"crypto/rand"
	"encoding/xml"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"
)

// Interop with an independent implementation, github.com/silenceper/wechat/v2 (test-only): it
// plays WeChat. Its util.EncryptMsg and util.Signature build each push, its message.MixMessage
// decodes the same XML for comparison, and its util.DecryptMsg and message types open our replies.

const (
	interopToken = "cityhubToken2026"
	interopApp   = "wx49f0ab532d5d035a"
	interopKey   = "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR"
	interopGh    = "gh_10f6c3c3ac5a"
	interopUser  = "oIDrpjqASyTPnxRmpS9O_ruZGsfk"
)

// interopCase is one push in WeChat's XML, as the documentation shows it for its type.
type interopCase struct {
	name   string
	fields string // the elements after MsgType
	check  func(m Message) bool
}

func interopCases() []interopCase {
	return []interopCase{
		{"text", `<Content><![CDATA[井盖缺失，中山路 12 号 <&> 请尽快处理]]></Content><MsgId>18446744073709551001</MsgId>`,
			func(m Message) bool {
				return m.Content == "井盖缺失，中山路 12 号 <&> 请尽快处理" && m.MsgID == 18446744073709551001
			}},
		{"image", `<PicUrl><![CDATA[http://mmbiz.qpic.cn/x/0]]></PicUrl><MediaId><![CDATA[img_media_1]]></MediaId><MsgId>6054768590064713001</MsgId>`,
			func(m Message) bool { return m.PicURL == "http://mmbiz.qpic.cn/x/0" && m.MediaID == "img_media_1" }},
		{"voice", `<MediaId><![CDATA[voice_1]]></MediaId><Format><![CDATA[amr]]></Format><Recognition><![CDATA[路灯不亮了]]></Recognition><MsgId>6054768590064713002</MsgId>`,
			func(m Message) bool {
				return m.MediaID == "voice_1" && m.Format == "amr" && m.Recognition == "路灯不亮了"
			}},
		{"video", `<MediaId><![CDATA[video_1]]></MediaId><ThumbMediaId><![CDATA[thumb_1]]></ThumbMediaId><MsgId>6054768590064713003</MsgId>`,
			func(m Message) bool { return m.MediaID == "video_1" && m.ThumbMediaID == "thumb_1" }},
		{"shortvideo", `<MediaId><![CDATA[sv_1]]></MediaId><ThumbMediaId><![CDATA[thumb_2]]></ThumbMediaId><MsgId>6054768590064713004</MsgId>`,
			func(m Message) bool { return m.MediaID == "sv_1" && m.ThumbMediaID == "thumb_2" }},
		{"location", `<Location_X>29.028610</Location_X><Location_Y>106.651421</Location_Y><Scale>16</Scale><Label><![CDATA[重庆市綦江区古南街道]]></Label><MsgId>6054768590064713005</MsgId>`,
			func(m Message) bool {
				return m.LocationX == 29.028610 && m.LocationY == 106.651421 && m.Scale == 16 && m.Label == "重庆市綦江区古南街道"
			}},
		{"link", `<Title><![CDATA[占道经营]]></Title><Description><![CDATA[小区门口]]></Description><Url><![CDATA[https://mp.weixin.qq.com/s/x]]></Url><MsgId>6054768590064713006</MsgId>`,
			func(m Message) bool {
				return m.Title == "占道经营" && m.Description == "小区门口" && m.URL == "https://mp.weixin.qq.com/s/x"
			}},
		{"event/subscribe", `<Event><![CDATA[subscribe]]></Event><EventKey><![CDATA[qrscene_42]]></EventKey><Ticket><![CDATA[TICKET42]]></Ticket>`,
			func(m Message) bool {
				return m.Event == "subscribe" && m.EventKey == "qrscene_42" && m.Ticket == "TICKET42" && m.MsgID == 0
			}},
		{"event/unsubscribe", `<Event><![CDATA[unsubscribe]]></Event>`,
			func(m Message) bool { return m.Event == "unsubscribe" }},
		{"event/LOCATION", `<Event><![CDATA[LOCATION]]></Event><Latitude>29.028610</Latitude><Longitude>106.651421</Longitude><Precision>65.000000</Precision>`,
			func(m Message) bool {
				return m.Event == "LOCATION" && m.Latitude == 29.028610 && m.Longitude == 106.651421 && m.Precision == 65
			}},
		{"event/CLICK", `<Event><![CDATA[CLICK]]></Event><EventKey><![CDATA[REPORT]]></EventKey>`,
			func(m Message) bool { return m.Event == "CLICK" && m.EventKey == "REPORT" }},
		{"event/VIEW", `<Event><![CDATA[VIEW]]></Event><EventKey><![CDATA[https://hub.example.cn/track]]></EventKey>`,
			func(m Message) bool { return m.Event == "VIEW" && m.EventKey == "https://hub.example.cn/track" }},
	}
}

func (c interopCase) xml(created int64) string {
	typ, _, _ := strings.Cut(c.name, "/")
	return "<xml><ToUserName><![CDATA[" + interopGh + "]]></ToUserName><FromUserName><![CDATA[" + interopUser + "]]></FromUserName>" +
		"<CreateTime>" + strconv.FormatInt(created, 10) + "</CreateTime><MsgType><![CDATA[" + typ + "]]></MsgType>" + c.fields + "</xml>"
}

func TestInteropSilenceper(t *testing.T) {
	for _, mode := range []string{ModeSafe, ModeCompatible + "/aes", ModeCompatible + "/plain", ModePlaintext} {
		cfgMode, variant, _ := strings.Cut(mode, "/")
		encrypted := cfgMode == ModeSafe || variant == "aes"
		for _, c := range interopCases() {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				f := newFixture(t, Config{Token: interopToken, AppID: interopApp, AESKey: interopKey, Mode: cfgMode})
				f.r.reply = func(m *Message) (Reply, error) { return Reply{Text: "已收到 " + m.MsgType + " ]]> 谢谢"}, nil }
				plain := c.xml(f.now.Unix())
				target, body := wechatRequest(t, f, plain, encrypted, cfgMode == ModeCompatible)
				rec := do(f.w, "POST", target, body)
				m := f.r.last(t)
				if m.ToUserName != interopGh || m.FromUserName != interopUser || m.CreateTime != f.now.Unix() || !c.check(m) {
					t.Errorf("Responder saw %+v", m)
				}
				sameAsSilenceper(t, plain, m)
				openReply(t, f, rec.Code, rec.Body.String(), encrypted, "已收到 "+m.MsgType+" ]]> 谢谢")
			})
		}
	}
}

// wechatRequest builds the push as WeChat would, with silenceper's crypto.
func wechatRequest(t *testing.T, f *fixture, plain string, encrypted, withPlainFields bool) (target, body string) {
	ts := strconv.FormatInt(f.now.Unix(), 10)
	nonce := util.RandomStr(10)
	q := url.Values{"signature": {util.Signature(interopToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {interopUser}}
	if !encrypted {
		return "/wechat?" + q.Encode(), plain
	}
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	enc, err := util.EncryptMsg(random, []byte(plain), interopApp, interopKey)
	if err != nil {
		t.Fatal(err)
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", util.Signature(interopToken, ts, nonce, string(enc)))
	if withPlainFields {
		body = strings.TrimSuffix(plain, "</xml>") + "<Encrypt><![CDATA[" + string(enc) + "]]></Encrypt></xml>"
	} else {
		b, err := xml.Marshal(message.EncryptedXMLMsg{ToUserName: interopGh, EncryptedMsg: string(enc)})
		if err != nil {
			t.Fatal(err)
		}
		body = string(b)
	}
	return "/wechat?" + q.Encode(), body
}

// sameAsSilenceper decodes the push with silenceper's MixMessage: its reading and ours agree.
// Its MsgId is an int64, which cannot hold WeChat's ids above 2^63 (ours is a uint64): such a
// MsgId is left out of its copy.
func sameAsSilenceper(t *testing.T, plain string, m Message) {
	msgID := int64(m.MsgID)
	if m.MsgID >= 1<<63 {
		plain = strings.Replace(plain, "<MsgId>"+strconv.FormatUint(m.MsgID, 10)+"</MsgId>", "", 1)
		msgID = 0
	}
	var mm message.MixMessage
	if err := xml.Unmarshal([]byte(plain), &mm); err != nil {
		t.Fatal(err)
	}
	scale := float64(m.Scale)
	ours := []any{m.MsgType, m.Content, m.PicURL, m.MediaID, m.Format, m.Recognition, m.ThumbMediaID, m.LocationX, m.LocationY, scale, m.Label, m.Title, m.Description, m.URL, m.Event, m.EventKey, m.Ticket, msgID}
	theirs := []any{string(mm.MsgType), mm.Content, mm.PicURL, mm.MediaID, mm.Format, mm.Recognition, mm.ThumbMediaID, mm.LocationX, mm.LocationY, mm.Scale, mm.Label, mm.Title, mm.Description, mm.URL, string(mm.Event), mm.EventKey, mm.Ticket, mm.MsgID}
	for i := range ours {
		if ours[i] != theirs[i] {
			t.Errorf("field %d: ours %v, silenceper %v", i, ours[i], theirs[i])
		}
	}
	if m.Event == "LOCATION" && (mm.Latitude != "29.028610" || mm.Longitude != "106.651421") {
		t.Errorf("silenceper LOCATION %s %s", mm.Latitude, mm.Longitude)
	}
}

// openReply checks our reply with silenceper: the envelope's msg_signature, DecryptMsg (which
// also checks the AppID tail), and the text message inside, To and From swapped.
func openReply(t *testing.T, f *fixture, code int, body string, encrypted bool, want string) {
	if code != 200 {
		t.Fatalf("status %d: %s", code, body)
	}
	inner := []byte(body)
	if encrypted {
		var env message.ResponseEncryptedXMLMsg
		if err := xml.Unmarshal(inner, &env); err != nil {
			t.Fatalf("envelope %q: %v", body, err)
		}
		if util.Signature(interopToken, strconv.FormatInt(env.Timestamp, 10), env.Nonce, env.EncryptedMsg) != env.MsgSignature || env.Nonce == "" {
			t.Fatalf("reply msg_signature does not verify")
		}
		_, raw, err := util.DecryptMsg(interopApp, env.EncryptedMsg, interopKey)
		if err != nil {
			t.Fatalf("silenceper DecryptMsg: %v", err)
		}
		inner = raw
	} else if strings.Contains(body, "<Encrypt>") {
		t.Fatalf("plaintext push answered encrypted: %s", body)
	}
	var txt message.Text
	if err := xml.Unmarshal(inner, &txt); err != nil {
		t.Fatalf("reply %q: %v", inner, err)
	}
	if txt.ToUserName != interopUser || txt.FromUserName != interopGh || txt.MsgType != message.MsgTypeText || string(txt.Content) != want || txt.CreateTime != f.now.Unix() {
		t.Errorf("reply %+v", txt)
	}
}
