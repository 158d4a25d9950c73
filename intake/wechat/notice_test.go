package wechat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/intake/wechat/wechattest"
	"cityhub/internal/courier"
)

// Test accounts of the fixture's demo district.
var (
	gnOfficer = dispatcher.Actor{Login: "gn-1", Name: "古南队员", Role: dispatcher.Officer, Unit: "QJ-GN-DD"}
	inspector = dispatcher.Actor{Login: "insp1", Name: "监督员", Role: dispatcher.Inspector, Unit: dispatcher.CommandCentre}
	lead      = dispatcher.Actor{Login: "lead1", Name: "值班长", Role: dispatcher.ShiftLeader, Unit: dispatcher.CommandCentre}
)

// withAPI gives the fixture a fake WeChat API and a channel that uses it; the worker's rounds
// are run by the test (round), not by a goroutine, so that what is sent is known.
func (f *convFixture) withAPI() *wechattest.API {
	f.t.Helper()
	api := wechattest.NewAPI("wx0123456789abcdef", "secret")
	f.t.Cleanup(api.Close)
	f.in = f.intake(NewClient(api.URL, "wx0123456789abcdef", "secret", f.kv, nil, f.clock.Now))
	f.in.round(f.ctx) // the cursor starts at the end of the log
	return api
}

// file reports a problem at 古南 through the conversation and returns the case.
func (f *convFixture) file(openID string) *dispatcher.Case {
	f.t.Helper()
	f.say(openID, "人行道上有流动摊贩")
	f.locate(openID, guNan, "沿河路")
	f.say(openID, "确认")
	cases := f.casesOf(openID)
	if len(cases) != 1 {
		f.t.Fatalf("%d cases", len(cases))
	}
	return cases[0]
}

func (f *convFixture) act(a dispatcher.Actor, c *dispatcher.Case, req dispatcher.ActionRequest) *dispatcher.Case {
	f.t.Helper()
	res, err := f.svc.Act(f.ctx, a, c.ID, req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.Action, err)
	}
	return res.Case
}

func sentTo(api *wechattest.API, openID string) []wechattest.Sent {
	var out []wechattest.Sent
	for _, s := range api.Sent() {
		if s.ToUser == openID {
			out = append(out, s)
		}
	}
	return out
}

// TestCitizenHearsOfEachStepAndIsAsked: dispatch, resolution and closure each make one notice;
// the closure asks the follow-up question, and 1 answers it as 满意.
func TestCitizenHearsOfEachStepAndIsAsked(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	c := f.file(citizen)
	f.in.round(f.ctx)
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已劝离"})
	f.in.round(f.ctx)
	f.act(inspector, c, dispatcher.ActionRequest{Action: dispatcher.ActPass})
	f.in.round(f.ctx)
	f.in.round(f.ctx) // nothing more
	sent := sentTo(api, citizen)
	if len(sent) != 3 {
		t.Fatalf("%d notices, want dispatched, resolved, closed: %+v", len(sent), sent)
	}
	for i, want := range []string{"已派至", "已处理完毕", "3 不满意"} {
		if sent[i].Kind != "text" || !strings.Contains(sent[i].Text, want) || !strings.Contains(sent[i].Text, c.Number) {
			t.Fatalf("notice %d: %+v, want a customer-service text with %q", i, sent[i], want)
		}
	}
	mustContain(t, "rating", f.say(citizen, "1"), "感谢")
	got, _ := f.svc.Case(f.ctx, Actor, c.ID)
	if got.Satisfaction != "satisfied" || got.Review != "" {
		t.Fatalf("satisfaction %q review %q", got.Satisfaction, got.Review)
	}
}

// TestSendingFailuresAreRetriedWithBackoff: WeChat busy twice; the notice goes on the third try,
// after the pauses; a notice that cannot be sent (a bad openid) is given up at once.
func TestSendingFailuresAreRetriedWithBackoff(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	api.FailSends(2, -1)
	c := f.file(citizen)
	f.in.round(f.ctx)
	if n := len(sentTo(api, citizen)); n != 0 {
		t.Fatalf("sent %d despite the failure", n)
	}
	tries := func() int { return api.Count("/cgi-bin/message/custom/send") }
	f.in.round(f.ctx) // not due yet: nothing is tried
	if tries() != 1 {
		t.Fatalf("%d tries before the first pause ended, want 1", tries())
	}
	f.clock.Add(retryBase)
	f.in.round(f.ctx) // the second failure
	f.clock.Add(retryBase)
	f.in.round(f.ctx) // the pause doubles: not due yet
	if tries() != 2 {
		t.Fatalf("%d tries, want 2: the second pause is twice the first", tries())
	}
	f.clock.Add(retryBase)
	f.in.round(f.ctx)
	if sent := sentTo(api, citizen); len(sent) != 1 || !strings.Contains(sent[0].Text, c.Number) {
		t.Fatalf("after two failures and their pauses: %+v", sent)
	}
	items, _ := f.out.OutboxItems(f.ctx, c.ID)
	if len(items) != 1 || items[0].SentAt == nil || items[0].Attempts != 2 {
		t.Fatalf("outbox %+v", items)
	}
}

// TestOutsideTheWindowUsesTheBureausTemplate: a citizen silent for 48 hours is reached by the
// template configured for the notice; without one the notice is given up with the reason.
func TestOutsideTheWindowUsesTheBureausTemplate(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	f.in.opt.Templates = map[string]Template{"resolved": {ID: "tpl-resolved", Data: map[string]string{
		"first": "您举报的问题已处理", "keyword1": "{number}", "keyword2": "{state}"}}}
	c := f.file(citizen)
	f.in.round(f.ctx)
	f.clock.Add(ServiceWindow + time.Hour)
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已劝离"})
	f.in.round(f.ctx)
	sent := sentTo(api, citizen)
	if len(sent) != 2 || sent[1].Kind != "template" || sent[1].TemplateID != "tpl-resolved" ||
		sent[1].Data["keyword1"] != c.Number || sent[1].Data["keyword2"] != "已处理，正在核查" {
		t.Fatalf("sent %+v", sent)
	}
	f.act(inspector, c, dispatcher.ActionRequest{Action: dispatcher.ActPass})
	f.in.round(f.ctx)
	if n := len(sentTo(api, citizen)); n != 2 {
		t.Fatalf("a closure notice without a template was sent: %d", n)
	}
	items, _ := f.out.OutboxItems(f.ctx, c.ID)
	last := items[len(items)-1]
	if !last.GaveUp || !strings.Contains(last.LastError, "模板") {
		t.Fatalf("the closure notice: %+v", last)
	}
}

// TestDissatisfiedOpensReviewAndCountsOnce: 3 records 不满意, opens the shift leader's review and
// says so; the satisfaction measure counts one answer; upholding tells the citizen the reason.
func TestDissatisfiedOpensReviewAndCountsOnce(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	c := f.file(citizen)
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已劝离"})
	c = f.act(inspector, c, dispatcher.ActionRequest{Action: dispatcher.ActPass})
	f.in.round(f.ctx)
	mustContain(t, "3", f.say(citizen, "3"), "复核")
	mustContain(t, "3 again", f.say(citizen, "3"), "查询") // the question was answered: 3 is no answer now
	got, _ := f.svc.Case(f.ctx, Actor, c.ID)
	if got.Satisfaction != "dissatisfied" || got.Review != dispatcher.ReviewPending {
		t.Fatalf("satisfaction %q review %q", got.Satisfaction, got.Review)
	}
	day := f.clock.Now().In(f.svc.Calendar().Location()).Format("2006-01-02")
	rep, err := f.svc.Measures(f.ctx, dispatcher.Actor{Login: "boss", Role: dispatcher.Leader, Unit: dispatcher.CommandCentre},
		dispatcher.MeasureQuery{From: day, To: day})
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Rows[0].Counts; n[dispatcher.MFollowedUp] != 1 || n[dispatcher.MSatisfied] != 0 {
		t.Fatalf("counts %v", n)
	}
	f.act(lead, got, dispatcher.ActionRequest{Action: dispatcher.ActUphold, Reason: "经核实现场已恢复"})
	f.in.round(f.ctx)
	sent := sentTo(api, citizen)
	if last := sent[len(sent)-1]; !strings.Contains(last.Text, "维持办结") || !strings.Contains(last.Text, "经核实现场已恢复") {
		t.Fatalf("last notice %+v", last)
	}
}

// TestPhotosAreDownloadedAfterTheAnswer: the photo is fetched after the reply; one sent after
// filing goes onto the case as the citizen's note.
func TestPhotosAreDownloadedAfterTheAnswer(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	api.AddMedia("m-before", jpegFixture(t), "image/jpeg")
	api.AddMedia("m-after", pngFixture(t), "image/png")
	f.say(citizen, "人行道上有流动摊贩")
	mustContain(t, "photo", f.send(f.in, Message{FromUserName: citizen, MsgType: "image", MediaID: "m-before"}), "照片")
	if api.MediaCount() != 0 {
		t.Fatal("the photo was fetched before the answer")
	}
	f.in.round(f.ctx)
	f.locate(citizen, guNan, "")
	f.say(citizen, "确认")
	c := f.casesOf(citizen)[0]
	if len(c.Media) != 1 {
		t.Fatalf("case media %v, want the photo sent before filing", c.Media)
	}
	mustContain(t, "late photo", f.send(f.in, Message{FromUserName: citizen, MsgType: "image", MediaID: "m-after"}), c.Number)
	f.in.round(f.ctx)
	got, _ := f.svc.Case(context.Background(), Actor, c.ID)
	if len(got.Media) != 2 {
		t.Fatalf("case media %v after the late photo", got.Media)
	}
}

// raceKV runs before once, just before the next write of the key: another instance's write
// landing between a read and a compare-and-set.
type raceKV struct {
	dispatcher.KV
	key    string
	before func()
}

func (r *raceKV) KVPut(ctx context.Context, key string, value []byte, rev int64, ttl time.Duration) (int64, error) {
	if b := r.before; key == r.key && b != nil {
		r.before = nil
		b()
	}
	return r.KV.KVPut(ctx, key, value, rev, ttl)
}

// TestPhotoRecordedWhileFilingReachesTheCase: the photo's download is recorded on the draft
// between 确认's filing and its write of the draft; 确认 tries again, finds the case it filed,
// and the photo goes onto it.
func TestPhotoRecordedWhileFilingReachesTheCase(t *testing.T) {
	f := newConvFixture(t)
	api := f.withAPI()
	api.AddMedia("m1", jpegFixture(t), "image/jpeg")
	f.say(citizen, "人行道上有流动摊贩")
	f.send(f.in, Message{FromUserName: citizen, MsgType: "image", MediaID: "m1"})
	f.locate(citizen, guNan, "")
	d, _, err := f.in.loadDraft(f.ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := f.in.store(f.ctx, jpegFixture(t))
	if err != nil {
		t.Fatal(err)
	}
	rk := &raceKV{KV: f.kv, key: draftKey(citizen)}
	rk.before = func() {
		if err := f.in.markPhoto(f.ctx, job{OpenID: citizen, DraftID: d.ID, MediaID: "m1"}, hash); err != nil {
			t.Error(err)
		}
	}
	f.in.opt.KV = rk
	f.say(citizen, "确认")
	if rk.before != nil {
		t.Fatal("the race was not staged")
	}
	cases := f.casesOf(citizen)
	if len(cases) != 1 || !slices.Contains(cases[0].Media, hash) {
		t.Fatalf("cases %d, media %v: the photo recorded meanwhile is lost", len(cases), cases[0].Media)
	}
}

// TestNoticesOfOneCaseGoInOrder: notices queued together go one case at a time, oldest first,
// while other cases' go beside them; after a failure, the later notices of that case wait.
func TestNoticesOfOneCaseGoInOrder(t *testing.T) {
	items := []dispatcher.OutboxItem{{ID: 5, CaseID: 2}, {ID: 3, CaseID: 1}, {ID: 4, CaseID: 2}, {ID: 1, CaseID: 1},
		{ID: 2, CaseID: 0}, {ID: 6, CaseID: 0}}
	var got [][]int64
	for _, g := range courier.ByCase(items) {
		var ids []int64
		for _, it := range g {
			ids = append(ids, it.ID)
		}
		got = append(got, ids)
	}
	if fmt.Sprint(got) != "[[1 3] [2] [4 5] [6]]" {
		t.Fatalf("groups %v", got)
	}
	f := newConvFixture(t)
	api := f.withAPI()
	c := f.file(citizen)
	f.in.round(f.ctx)
	api.FailSends(1, -1)
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	c = f.act(gnOfficer, c, dispatcher.ActionRequest{Action: dispatcher.ActResolve, Text: "已劝离"})
	f.act(inspector, c, dispatcher.ActionRequest{Action: dispatcher.ActPass})
	f.in.round(f.ctx) // resolved fails; closed waits for it
	if sent := sentTo(api, citizen); len(sent) != 1 {
		t.Fatalf("the closure went before the resolution: %+v", sent)
	}
	f.clock.Add(lease)
	f.in.round(f.ctx)
	sent := sentTo(api, citizen)
	if len(sent) != 3 || !strings.Contains(sent[1].Text, "已处理完毕") || !strings.Contains(sent[2].Text, "已办结") {
		t.Fatalf("order %+v", sent)
	}
}

// TestCheckTemplates: a template must name a kind of notice the channel sends, and its id.
func TestCheckTemplates(t *testing.T) {
	if err := CheckTemplates(map[string]Template{"closed": {ID: "t1"}, "upheld": {ID: "t2"}}); err != nil {
		t.Fatal(err)
	}
	if err := CheckTemplates(map[string]Template{"finished": {ID: "t1"}}); err == nil || !strings.Contains(err.Error(), "finished") {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := CheckTemplates(map[string]Template{"closed": {}}); err == nil || !strings.Contains(err.Error(), "id") {
		t.Fatalf("no id: %v", err)
	}
}
