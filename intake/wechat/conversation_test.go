package wechat

import (
	"strings"
	"testing"

	"cityhub/dispatcher"
	"cityhub/geo"
)

const citizen = "oQJcitizen0000000000000000A1"

func mustContain(t *testing.T, what, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("%s: %q does not contain %q", what, got, w)
		}
	}
}

// TestTextThenLocationFilesOnConfirm: the contract's path. A text naming a category's alias is
// classified; with the location the summary is shown; 确认 files one case with the case number,
// routed from the GCJ-02 position converted to WGS-84, the original kept.
func TestTextThenLocationFilesOnConfirm(t *testing.T) {
	f := newConvFixture(t)
	mustContain(t, "after the text", f.say(citizen, "路口有人占道经营，堵住了人行道"), "请发送问题所在的位置")
	summary := f.locate(citizen, guNan, "古南街道 沿河路")
	mustContain(t, "summary", summary, "请核对", "店外经营", "古南街道", "确认")
	if cases := f.casesOf(citizen); len(cases) != 0 {
		t.Fatalf("filed before 确认: %d cases", len(cases))
	}
	filed := f.say(citizen, "确认")
	cases := f.casesOf(citizen)
	if len(cases) != 1 {
		t.Fatalf("after 确认: %d cases, want 1", len(cases))
	}
	c := cases[0]
	mustContain(t, "filed answer", filed, c.Number)
	if c.Channel != dispatcher.ChannelWeChat || c.Category != "0504" || c.Owner != "QJ-GN-DD" || c.Reporter.OpenID != citizen {
		t.Fatalf("case: channel %s category %s owner %s reporter %+v", c.Channel, c.Category, c.Owner, c.Reporter)
	}
	if c.IsPublic() {
		t.Fatal("a WeChat report is public; it must stay private")
	}
	if c.Location.Datum != geo.GCJ02 || c.Location.Original != gcj(guNan) || dist(c.Location.Point, guNan) > 1 {
		t.Fatalf("location %+v: want the GCJ-02 original kept and the WGS-84 point %v", c.Location, guNan)
	}
	mustContain(t, "second 确认", f.say(citizen, "确认"), "已提交", c.Number)
	if n := len(f.casesOf(citizen)); n != 1 {
		t.Fatalf("a second 确认 filed again: %d cases", n)
	}
}

// dist is the distance in metres between two close points.
func dist(a, b dispatcher.Point) float64 {
	return geo.Distance(a, b)
}

// TestUnclassifiedTextAsksForACategoryByNumber: words that name no category get the numbered
// catalogue; the citizen's number chooses; the location may come first.
func TestUnclassifiedTextAsksForACategoryByNumber(t *testing.T) {
	f := newConvFixture(t)
	mustContain(t, "location first", f.locate(citizen, guNan, ""), "请用文字")
	list := f.say(citizen, "这里很乱，请来看看")
	mustContain(t, "catalogue", list, "请选择问题的类别", "1. ", "请回复序号")
	choices := strings.Split(list, "\n")
	pick := ""
	for _, line := range choices {
		if strings.HasSuffix(line, "占用消防通道") {
			pick = strings.SplitN(line, ".", 2)[0]
		}
	}
	if pick == "" {
		t.Fatalf("占用消防通道 not offered: %q", list)
	}
	mustContain(t, "after choosing", f.say(citizen, pick), "请核对", "占用消防通道")
	f.say(citizen, "确认")
	if cases := f.casesOf(citizen); len(cases) != 1 || cases[0].Category != "0590" {
		t.Fatalf("cases %+v", cases)
	}
}

// TestAmbiguousWordsOfferOnlyTheirCategories: a word several categories share offers those.
func TestAmbiguousWordsOfferOnlyTheirCategories(t *testing.T) {
	f := newConvFixture(t)
	got := classify(reportable(f.svc.Reference()), "有人在焚烧垃圾树叶")
	if len(got) != 1 || got[0].Code != "0112" {
		t.Fatalf("焚烧垃圾树叶: %v", codes(got))
	}
	if got := classify(reportable(f.svc.Reference()), "路边流动摊贩很多"); len(got) != 1 || got[0].Code != "0501" {
		t.Fatalf("an alias: %v", codes(got))
	}
}

// TestTrackingAnswersOnlyTheCitizensOwnCases: 查询 lists one's own cases; another citizen's
// number is answered as one that does not exist.
func TestTrackingAnswersOnlyTheCitizensOwnCases(t *testing.T) {
	f := newConvFixture(t)
	mustContain(t, "nothing yet", f.say(citizen, "查询"), "还没有")
	f.say(citizen, "工地扬尘很大")
	f.locate(citizen, guNan, "")
	f.say(citizen, "确认")
	number := f.casesOf(citizen)[0].Number
	mustContain(t, "list", f.say(citizen, "查询"), number, "工地扬尘")
	mustContain(t, "one", f.say(citizen, "查询 "+number), number, "状态：")
	other := "oQJsomeoneelse00000000000000"
	got := f.send(f.in, Message{FromUserName: other, MsgType: "text", Content: "查询 " + number})
	mustContain(t, "another's case", got, "没有找到")
	if strings.Contains(got, "工地扬尘") {
		t.Fatalf("another citizen learnt of the case: %q", got)
	}
}

// TestConversationMovesBetweenInstances: messages of one conversation taken by different
// instances (sharing the KV, as they share the store or Redis) make one correct case.
func TestConversationMovesBetweenInstances(t *testing.T) {
	f := newConvFixture(t)
	a, b := f.in, f.intake(nil)
	f.send(a, Message{FromUserName: citizen, MsgType: "text", Content: "小区门口机动车乱停放"})
	g := gcj(guNan)
	f.send(b, Message{FromUserName: citizen, MsgType: "location", LocationX: g.Lat, LocationY: g.Lng, Label: "门口"})
	f.send(a, Message{FromUserName: citizen, MsgType: "text", Content: "每天早上都有"})
	filed := f.send(b, Message{FromUserName: citizen, MsgType: "text", Content: "确认"})
	cases := f.casesOf(citizen)
	if len(cases) != 1 {
		t.Fatalf("%d cases", len(cases))
	}
	c := cases[0]
	mustContain(t, "filed", filed, c.Number)
	mustContain(t, "text", c.Text, "机动车乱停放", "每天早上都有")
	if c.Category != "0505" || c.Location.Address != "门口" {
		t.Fatalf("case %s %q", c.Category, c.Location.Address)
	}
}

// TestDraftExpiresAfterThirtyMinutes: what was sent more than 30 minutes before is forgotten.
func TestDraftExpiresAfterThirtyMinutes(t *testing.T) {
	f := newConvFixture(t)
	f.say(citizen, "工地扬尘")
	f.clock.Add(DraftTTL + 1)
	mustContain(t, "after expiry", f.locate(citizen, guNan, ""), "请用文字")
}

// TestCancelForgetsTheDraft.
func TestCancelForgetsTheDraft(t *testing.T) {
	f := newConvFixture(t)
	f.say(citizen, "工地扬尘")
	f.locate(citizen, guNan, "")
	mustContain(t, "cancel", f.say(citizen, "取消"), "已取消")
	mustContain(t, "confirm after cancel", f.say(citizen, "确认"), "请用文字")
	if n := len(f.casesOf(citizen)); n != 0 {
		t.Fatalf("%d cases after 取消", n)
	}
}

// TestOutsideTheDistrictIsRefusedKindly.
func TestOutsideTheDistrictIsRefusedKindly(t *testing.T) {
	f := newConvFixture(t)
	beijing := dispatcher.Point{Lat: 39.9042, Lng: 116.4074}
	mustContain(t, "Beijing", f.locate(citizen, beijing, "天安门"), "不在本区")
}

// TestEventsAndVoice: the welcome says how to report; the menu's keys answer; a recognised voice
// note is text; one without recognition asks for text.
func TestEventsAndVoice(t *testing.T) {
	f := newConvFixture(t)
	mustContain(t, "subscribe", f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "subscribe"}), "举报", "确认")
	mustContain(t, "menu report", f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "CLICK", EventKey: KeyReport}), "位置")
	mustContain(t, "menu track", f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "CLICK", EventKey: KeyTrack}), "还没有")
	mustContain(t, "menu help", f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "CLICK", EventKey: KeyHelp}), "查询")
	mustContain(t, "voice", f.send(f.in, Message{FromUserName: citizen, MsgType: "voice", MediaID: "m1", Format: "amr", Recognition: "工地扬尘很大。"}), "请发送问题所在的位置")
	mustContain(t, "voice unread", f.send(f.in, Message{FromUserName: citizen, MsgType: "voice", MediaID: "m2", Format: "amr"}), "文字")
	g := gcj(guNan)
	if got := f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "LOCATION", Latitude: g.Lat, Longitude: g.Lng, Precision: 30}); got != "" {
		t.Fatalf("a LOCATION event is answered: %q", got)
	}
}

// TestPhonesPositionIsOfferedAndUsed: the LOCATION event the phone sends on its own is a hint:
// offered when the report lacks a place, used when the citizen answers 当前位置.
func TestPhonesPositionIsOfferedAndUsed(t *testing.T) {
	f := newConvFixture(t)
	mustContain(t, "no hint", f.say(citizen, "当前位置"), "还没有收到")
	g := gcj(guNan)
	f.send(f.in, Message{FromUserName: citizen, MsgType: "event", Event: "LOCATION", Latitude: g.Lat, Longitude: g.Lng, Precision: 30})
	mustContain(t, "offer", f.say(citizen, "人行道上有流动摊贩"), "当前位置", "古南街道")
	mustContain(t, "use", f.say(citizen, "当前位置"), "请核对", "古南街道")
	f.say(citizen, "确认")
	c := f.casesOf(citizen)[0]
	if c.Location.Datum != geo.GCJ02 || dist(c.Location.Point, guNan) > 1 || c.Owner != "QJ-GN-DD" {
		t.Fatalf("case at %+v, owner %s", c.Location, c.Owner)
	}
}
