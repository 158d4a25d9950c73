package main

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"cityhub/dispatcher"
	"cityhub/geo"
	"cityhub/intake/wechat"
	"cityhub/intake/wechat/wechattest"
	"cityhub/postgres/pgtest"
)

// The Official Account of the tests: what the bureau types into WeChat's admin console.
const (
	wxToken  = "cityhubTest2026"
	wxAppID  = "wx0123456789abcdef"
	wxSecret = "0123456789abcdef0123456789abcdef"
	wxAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	wxMP     = "gh_qijiang00001"
)

// weChat plays WeChat's servers: it pushes a citizen's messages to the hub the way WeChat does,
// signed and encrypted with an independent implementation (silenceper/wechat's util), and opens
// the replies with it.
type weChat struct {
	t     *testing.T
	mode  string // safe, compatible or plaintext
	msgID atomic.Uint64
}

func newWeChat(t *testing.T, mode string) *weChat {
	w := &weChat{t: t, mode: mode}
	w.msgID.Store(uint64(time.Now().UnixNano())) // MsgIds unique across tests sharing a store
	return w
}

// withWeChat configures a hub for the account, its API at the fake.
func withWeChat(api *wechattest.API, mode string) func(*Config) {
	return func(c *Config) {
		c.WeChat = wechat.Config{Token: wxToken, AppID: wxAppID, Secret: wxSecret, AESKey: wxAESKey, Mode: mode, API: api.URL}
		c.WeChatPoll = 50 * time.Millisecond
		c.WeChatRetryBase = 50 * time.Millisecond
	}
}

// msg is one push: its XML fields in WeChat's order.
type msg struct {
	from   string
	typ    string
	id     uint64 // MsgId, 0 for events
	at     int64  // CreateTime
	fields string // the type's own elements
}

func (w *weChat) text(from, content string) msg {
	return msg{from: from, typ: "text", id: w.msgID.Add(1), fields: "<Content><![CDATA[" + content + "]]></Content>"}
}

func (w *weChat) location(from string, p dispatcher.Point, label string) msg {
	g := geo.WGS84ToGCJ02(p)
	return msg{from: from, typ: "location", id: w.msgID.Add(1), fields: fmt.Sprintf(
		"<Location_X>%.6f</Location_X><Location_Y>%.6f</Location_Y><Scale>16</Scale><Label><![CDATA[%s]]></Label>", g.Lat, g.Lng, label)}
}

func (w *weChat) image(from, mediaID string) msg {
	return msg{from: from, typ: "image", id: w.msgID.Add(1), fields: "<PicUrl><![CDATA[http://mmbiz.qpic.cn/x]]></PicUrl><MediaId><![CDATA[" + mediaID + "]]></MediaId>"}
}

func (m msg) xml() string {
	at := m.at
	if at == 0 {
		at = time.Now().Unix()
	}
	id := ""
	if m.id != 0 {
		id = "<MsgId>" + strconv.FormatUint(m.id, 10) + "</MsgId>"
	}
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[%s]]></MsgType>%s%s</xml>",
		wxMP, m.from, at, m.typ, m.fields, id)
}

// push delivers one message to a hub and returns the text of the reply ("" for success).
func (w *weChat) push(h *hub, m msg) string {
	w.t.Helper()
	code, body := w.send(h.base, m.xml())
	if code != 200 {
		w.t.Fatalf("push %s: %d %s", m.typ, code, body)
	}
	return w.open(body)
}

func (w *weChat) send(base, plain string) (int, string) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := util.RandomStr(10)
	q := url.Values{"signature": {util.Signature(wxToken, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "openid": {"o"}}
	body := plain
	if w.mode != "plaintext" {
		random := make([]byte, 16)
		rand.Read(random)
		enc, err := util.EncryptMsg(random, []byte(plain), wxAppID, wxAESKey)
		if err != nil {
			w.t.Fatal(err)
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", util.Signature(wxToken, ts, nonce, string(enc)))
		inner := "<ToUserName><![CDATA[" + wxMP + "]]></ToUserName>"
		if w.mode == "compatible" { // the plaintext fields too, as compatible mode sends them
			inner = strings.TrimSuffix(strings.TrimPrefix(plain, "<xml>"), "</xml>")
		}
		body = "<xml>" + inner + "<Encrypt><![CDATA[" + string(enc) + "]]></Encrypt></xml>"
	}
	resp, err := http.Post(base+"/intake/wechat?"+q.Encode(), "text/xml", strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// open checks a reply's signature and decrypts it with the independent implementation.
func (w *weChat) open(body string) string {
	w.t.Helper()
	if body == "success" || body == "" {
		return ""
	}
	raw := []byte(body)
	if w.mode != "plaintext" {
		var env struct {
			Encrypt, MsgSignature, Nonce string
			TimeStamp                    int64
		}
		if err := xml.Unmarshal(raw, &env); err != nil {
			w.t.Fatalf("reply envelope %q: %v", body, err)
		}
		if util.Signature(wxToken, strconv.FormatInt(env.TimeStamp, 10), env.Nonce, env.Encrypt) != env.MsgSignature {
			w.t.Fatalf("reply signature does not verify: %q", body)
		}
		var err error
		if _, raw, err = util.DecryptMsg(wxAppID, env.Encrypt, wxAESKey); err != nil {
			w.t.Fatalf("reply does not decrypt: %v", err)
		}
	}
	var r struct{ ToUserName, FromUserName, MsgType, Content string }
	if err := xml.Unmarshal(raw, &r); err != nil {
		w.t.Fatalf("reply %q: %v", raw, err)
	}
	if r.FromUserName != wxMP || r.MsgType != "text" {
		w.t.Fatalf("reply from %q type %q", r.FromUserName, r.MsgType)
	}
	return r.Content
}

// citizenCases are the cases a citizen filed, as the store has them.
func (h *hub) citizenCases(openID string) []*dispatcher.Case {
	h.t.Helper()
	page, err := h.m.store.ListCases(context.Background(), dispatcher.CaseFilter{OpenID: openID, Limit: 100})
	if err != nil {
		h.t.Fatal(err)
	}
	return page.Cases
}

func openID(t *testing.T, tag string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("o%s%x", tag, b)
}

// Near the border of 古南街道 and 文龙街道 (see TestWeChatGCJNearABorder).
var guNanPoint = dispatcher.Point{Lat: 28.99, Lng: 106.64}

// TestWeChatRetriesToTwoInstancesFileOneCase: WeChat retries a message it got no answer to in
// five seconds, and a load balancer may send each try to another instance. Four deliveries of
// each message, two to each of two instances at once, make one draft line and one case, and every
// delivery gets the same answer. Run with the instances sharing the conversation through the
// store, then through Redis.
func TestWeChatRetriesToTwoInstancesFileOneCase(t *testing.T) {
	for _, shared := range []string{"store", "redis"} {
		t.Run(shared, func(t *testing.T) {
			api := wechattest.NewAPI(wxAppID, wxSecret)
			t.Cleanup(api.Close)
			dsn := pgtest.NewDatabase(t)
			redisURL, prefix := "", ""
			if shared == "redis" {
				redisURL, prefix = sharedRedis, uniquePrefix(t, sharedRedis)
			}
			a := startInstanceWith(t, dsn, redisURL, prefix, withWeChat(api, "safe"))
			b := startInstanceWith(t, dsn, redisURL, prefix, withWeChat(api, "safe"))
			wx := newWeChat(t, "safe")
			who := openID(t, "retry")
			fourTimes(t, wx, []*hub{a, b}, wx.text(who, "工地扬尘很大，傍晚最严重"))
			fourTimes(t, wx, []*hub{a, b}, wx.location(who, guNanPoint, "沿河路工地"))
			answers := fourTimes(t, wx, []*hub{a, b}, wx.text(who, "确认"))
			cases := a.citizenCases(who)
			if len(cases) != 1 {
				t.Fatalf("%d cases from four deliveries of 确认, want 1", len(cases))
			}
			c := cases[0]
			if !strings.Contains(answers, c.Number) {
				t.Fatalf("the answer %q does not give the case number %s", answers, c.Number)
			}
			if n := strings.Count(c.Text, "工地扬尘很大"); n != 1 || c.Category != "0302" {
				t.Fatalf("case text %q (%d copies), category %s", c.Text, n, c.Category)
			}
		})
	}
}

// fourTimes delivers one message four times at once, two to each instance, and checks that the
// four answers are the same; it returns that answer.
func fourTimes(t *testing.T, wx *weChat, hubs []*hub, m msg) string {
	t.Helper()
	m.at = time.Now().Unix()
	answers := make([]string, 4)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			code, body := wx.send(hubs[i%2].base, m.xml())
			if code != 200 {
				t.Errorf("delivery %d: %d %s", i, code, body)
				return
			}
			answers[i] = wx.open(body)
		})
	}
	wg.Wait()
	for i := range answers {
		if answers[i] != answers[0] {
			t.Fatalf("deliveries answered differently:\n%q\n%q", answers[0], answers[i])
		}
	}
	return answers[0]
}

// borderPoint finds a WGS-84 point of the district that GCJ-02's offset would move into another
// unit's street: where routing the phone's raw position would pick the wrong team.
func borderPoint(t *testing.T, h *hub, category string) (dispatcher.Point, string) {
	t.Helper()
	router := h.m.svc.Router()
	ctx := context.Background()
	for lat := 28.95; lat < 29.10; lat += 0.002 {
		for lng := 106.60; lng < 106.72; lng += 0.002 {
			p := dispatcher.Point{Lat: lat, Lng: lng}
			right, err := router.Route(ctx, p, category)
			if err != nil {
				continue
			}
			wrong, err := router.Route(ctx, geo.WGS84ToGCJ02(p), category)
			if err == nil && wrong.Unit != right.Unit && right.Outcome == dispatcher.RouteToUnit {
				return p, right.Unit
			}
		}
	}
	t.Fatal("no point near a street border found")
	return dispatcher.Point{}, ""
}

// TestWeChatGCJNearABorder: WeChat sends GCJ-02. A location near a street border, sent as a
// phone would, reaches the unit its WGS-84 twin reaches through Open311, not the unit of the
// street the raw coordinates fall in; the original is kept on the case.
func TestWeChatGCJNearABorder(t *testing.T) {
	api := wechattest.NewAPI(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	h := startHubWith(t, withWeChat(api, "safe"))
	wx := newWeChat(t, "safe")
	p, unit := borderPoint(t, h, "0501")
	who := openID(t, "border")
	wx.push(h, wx.text(who, "路口有流动摊贩"))
	wx.push(h, wx.location(who, p, "路口"))
	wx.push(h, wx.text(who, "确认"))
	cases := h.citizenCases(who)
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	c := cases[0]
	if c.Owner != unit || c.Routing.Unit != unit {
		t.Fatalf("routed to %s (owner %s), want %s: the WGS-84 twin's unit", c.Routing.Unit, c.Owner, unit)
	}
	if c.Location.Datum != geo.GCJ02 || geo.Distance(c.Location.Point, p) > 2 {
		t.Fatalf("location %+v, want the WGS-84 point %v with the GCJ-02 original", c.Location, p)
	}
	key, err := h.m.svc.CreateAPIKey(context.Background(), "twin")
	if err != nil {
		t.Fatal(err)
	}
	twin, code := h.postOpen311(key, p.Lat, p.Lng) // the same report, WGS-84, through Open311
	if code != 201 && code != 200 {
		t.Fatalf("open311 twin: %d", code)
	}
	tc, err := h.m.store.CaseByNumber(context.Background(), twin)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Routing.Unit != unit {
		t.Fatalf("the Open311 twin went to %s, the WeChat report to %s", tc.Routing.Unit, unit)
	}
}

// TestWeChatConversationAlternatesInstances: a citizen's messages reach two instances in turn,
// in safe mode; the photo is fetched from WeChat's API after the answer. One correct case: in
// the command centre's list with channel wechat and the routed unit as owner, its photo stored,
// and absent from the public Open311 listing.
func TestWeChatConversationAlternatesInstances(t *testing.T) {
	api := wechattest.NewAPI(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	api.SetMediaDelay(300 * time.Millisecond)
	api.AddMedia("photo-1", photo(t), "image/jpeg")
	dsn := pgtest.NewDatabase(t)
	a := startInstanceWith(t, dsn, "", "", withWeChat(api, "safe"))
	b := startInstanceWith(t, dsn, "", "", withWeChat(api, "safe"))
	wx := newWeChat(t, "safe")
	who := openID(t, "alt")
	wx.push(a, wx.text(who, "人行道上有流动摊贩"))
	wx.push(b, wx.image(who, "photo-1"))
	wx.push(a, wx.location(who, guNanPoint, "古南街道沿河路"))
	if got := wx.push(b, wx.text(who, "确认")); !strings.Contains(got, "案件编号") {
		t.Fatalf("确认 answered %q", got)
	}
	cases := a.citizenCases(who)
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	number := cases[0].Number
	var listed struct{ Cases []*dispatcher.Case }
	a.do("GET", "/api/v1/cases?channel=wechat&limit=100", a.login("op1"), nil, 200, &listed)
	var c *dispatcher.Case
	for _, x := range listed.Cases {
		if x.Number == number {
			c = x
		}
	}
	if c == nil || c.Channel != "wechat" || c.Owner != "QJ-GN-DD" || c.Category != "0501" {
		t.Fatalf("command centre's list: %+v", c)
	}
	waitUntil(t, 10*time.Second, "the photo on the case", func() bool {
		got, err := a.m.store.CaseByNumber(context.Background(), number)
		return err == nil && len(got.Media) == 1
	})
	resp, err := http.Get(a.base + "/open311/v2/requests.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.Contains(string(body), number) {
		t.Fatalf("a WeChat report is in the public Open311 listing")
	}
}

func waitUntil(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWeChatCitizenIsToldAndRates: the citizen hears of the dispatch, the resolution and the
// closure (the first sends fail twice and are retried); the closure asks the follow-up question;
// 不满意, delivered twice by WeChat, opens the shift leader's review and counts once; the shift
// leader upholds and the citizen is told why.
func TestWeChatCitizenIsToldAndRates(t *testing.T) {
	api := wechattest.NewAPI(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	h := startHubWith(t, withWeChat(api, "safe"))
	wx := newWeChat(t, "safe")
	who := openID(t, "rate")
	api.FailSends(2, -1) // WeChat busy: the dispatch notice goes on the third try
	wx.push(h, wx.text(who, "人行道上有流动摊贩"))
	wx.push(h, wx.location(who, guNanPoint, "沿河路"))
	wx.push(h, wx.text(who, "确认"))
	c := h.citizenCases(who)[0]
	told := func(part string) func() bool {
		return func() bool {
			for _, s := range api.Sent() {
				if s.ToUser == who && strings.Contains(s.Text, part) && strings.Contains(s.Text, c.Number) {
					return true
				}
			}
			return false
		}
	}
	waitUntil(t, 10*time.Second, "the dispatch notice", told("已派至"))
	officer, inspector, lead := h.login("gn-1"), h.login("insp1"), h.login("lead1")
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", officer, map[string]string{"action": "acknowledge"}, 200, nil)
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", officer, map[string]string{"action": "resolve", "text": "已劝离"}, 200, nil)
	waitUntil(t, 10*time.Second, "the resolution notice", told("已处理完毕"))
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", inspector, map[string]string{"action": "pass"}, 200, nil)
	waitUntil(t, 10*time.Second, "the closure notice with the question", told("3 不满意"))
	answer := wx.text(who, "3")
	first, second := wx.push(h, answer), wx.push(h, answer) // WeChat's retry of the same MsgId
	if !strings.Contains(first, "复核") || second != first {
		t.Fatalf("answers to 3: %q then %q", first, second)
	}
	got, err := h.m.store.CaseByNumber(context.Background(), c.Number)
	if err != nil {
		t.Fatal(err)
	}
	if got.Satisfaction != "dissatisfied" || got.Review != dispatcher.ReviewPending {
		t.Fatalf("satisfaction %q review %q", got.Satisfaction, got.Review)
	}
	var m struct {
		Rows []struct{ Counts map[string]int64 }
	}
	h.do("GET", "/api/v1/measures?period=today", h.login("boss"), nil, 200, &m)
	if n := m.Rows[0].Counts; n["followed_up"] != 1 || n["satisfied"] != 0 {
		t.Fatalf("measures after one 不满意 delivered twice: %v", n)
	}
	var queue struct{ Cases []*dispatcher.Case }
	h.do("GET", "/api/v1/cases?review=pending", lead, nil, 200, &queue)
	if len(queue.Cases) != 1 || queue.Cases[0].Number != c.Number {
		t.Fatalf("the shift leader's review queue: %d cases", len(queue.Cases))
	}
	h.do("POST", "/api/v1/cases/"+c.Number+"/actions", lead, map[string]string{"action": "uphold", "reason": "经核实摊贩已劝离，现场恢复"}, 200, nil)
	waitUntil(t, 10*time.Second, "the review's outcome", told("维持办结"))
	checkNotices(t, h, c.Number, who)
}

// checkNotices: the case's page says what the citizen was told, and when, without the OpenID or
// the words; the dispatch notice shows the two failed attempts before it went.
func checkNotices(t *testing.T, h *hub, number, who string) {
	t.Helper()
	var got struct{ Notices []dispatcher.Notice }
	raw := h.do("GET", "/api/v1/cases/"+number+"/notices", h.login("op1"), nil, 200, &got)
	var kinds []string
	for _, n := range got.Notices {
		kinds = append(kinds, n.Kind)
		if n.SentAt == nil {
			t.Errorf("notice %s not sent: %+v", n.Kind, n)
		}
	}
	if strings.Join(kinds, ",") != "dispatched,resolved,closed,upheld" || got.Notices[0].Attempts != 2 {
		t.Fatalf("notices %+v", got.Notices)
	}
	if strings.Contains(string(raw), who) || strings.Contains(string(raw), "维持办结") {
		t.Fatalf("the notices carry the OpenID or the words: %s", raw)
	}
}

// TestWeChatModesThroughTheHub: the bureau may run the account in any of WeChat's three modes;
// in each, a report is filed and the replies open with the independent implementation.
func TestWeChatModesThroughTheHub(t *testing.T) {
	for _, mode := range []string{"compatible", "plaintext"} {
		t.Run(mode, func(t *testing.T) {
			api := wechattest.NewAPI(wxAppID, wxSecret)
			t.Cleanup(api.Close)
			h := startHubWith(t, withWeChat(api, mode))
			wx := newWeChat(t, mode)
			who := openID(t, mode[:4])
			welcome := wx.push(h, msg{from: who, typ: "event", fields: "<Event><![CDATA[subscribe]]></Event>"})
			if !strings.Contains(welcome, "举报") {
				t.Fatalf("welcome %q", welcome)
			}
			wx.push(h, wx.text(who, "人行道上有流动摊贩"))
			wx.push(h, wx.location(who, guNanPoint, "沿河路"))
			if got := wx.push(h, wx.text(who, "确认")); !strings.Contains(got, "案件编号") {
				t.Fatalf("确认 answered %q", got)
			}
			if n := len(h.citizenCases(who)); n != 1 {
				t.Fatalf("%d cases", n)
			}
		})
	}
}

// TestWeChatSettingsCheckedAtStart: a half-configured account is refused with a message naming
// the setting, before anything listens.
func TestWeChatSettingsCheckedAtStart(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--wechat-token", wxToken}, "CITYHUB_WECHAT_APPID"},
		{[]string{"--wechat-token", wxToken, "--wechat-appid", wxAppID, "--wechat-aeskey", "short"}, "CITYHUB_WECHAT_AESKEY"},
		{[]string{"--wechat-token", wxToken, "--wechat-appid", wxAppID, "--wechat-aeskey", wxAESKey}, "CITYHUB_WECHAT_SECRET"},
		{[]string{"--wechat-token", "x", "--wechat-appid", wxAppID, "--wechat-secret", wxSecret}, "CITYHUB_WECHAT_TOKEN"},
	} {
		m := &Main{}
		err := m.ParseFlags(append([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir()}, c.args...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error naming %s", c.args, err, c.want)
		}
	}
}

// TestWeChatMenuCommand: `cityhub wechat menu` publishes the three buttons through the API.
func TestWeChatMenuCommand(t *testing.T) {
	api := wechattest.NewAPI(wxAppID, wxSecret)
	t.Cleanup(api.Close)
	h := startHub(t)
	args := []string{"wechat", "menu", "--data", h.m.Config.DataDir, "--wechat-appid", wxAppID,
		"--wechat-secret", wxSecret, "--wechat-api", api.URL}
	if h.m.Config.DB != "" {
		args = append(args, "--db", h.m.Config.DB)
	}
	var out strings.Builder
	if err := run(context.Background(), args, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	menu := string(api.Menu())
	for _, want := range []string{"我要举报", "REPORT", "我的诉求", "TRACK", "帮助", "HELP"} {
		if !strings.Contains(menu, want) {
			t.Fatalf("menu %s lacks %s", menu, want)
		}
	}
}
