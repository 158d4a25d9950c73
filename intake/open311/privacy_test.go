package open311

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/dispatcher"
)

var leader = dispatcher.Actor{Login: "lead1", Name: "值班长", Role: dispatcher.ShiftLeader, Unit: dispatcher.CommandCentre}

// submitVia files a report through another channel, as the hotline or WeChat adapters would.
// Its text and address name a place and a phone number that must not leak.
func (f *fixture) submitVia(channel, nature string) *dispatcher.Case {
	f.t.Helper()
	return f.submitText(channel, nature, "沿河路 3 号门前有人占道经营，电话 13900001111", "古南街道沿河路 3 号")
}

func (f *fixture) submitText(channel, nature, text, address string) *dispatcher.Case {
	f.t.Helper()
	res, err := f.svc.Submit(context.Background(), dispatcher.SystemActor, dispatcher.Complaint{
		Channel: channel, Nature: nature, Category: "0501", Text: text,
		Location: dispatcher.Location{Point: guNan, Original: guNan, Datum: dispatcher.WGS84, Address: address},
		Reporter: dispatcher.Contact{Name: "王五", Phone: "13900001111"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Case
}

func (f *fixture) setPublication(c *dispatcher.Case, p dispatcher.Publication) error {
	_, err := f.svc.Act(context.Background(), leader, c.ID,
		dispatcher.ActionRequest{Action: dispatcher.ActSetPublication, Publication: p, Reason: "测试"})
	return err
}

// withoutID is an answer's body with an id replaced, to compare the answers about two ids.
func withoutID(w interface{ Body() string }, id string) string {
	return strings.ReplaceAll(w.Body(), id, "ID")
}

type recorded struct {
	code int
	body string
	ct   string
}

func (r recorded) Body() string { return r.body }

func (f *fixture) getAs(path string) recorded {
	f.t.Helper()
	w := f.get(path)
	return recorded{w.Code, w.Body.String(), w.Header().Get("Content-Type")}
}

// Hotline calls, WeChat messages and every 举报 are private: absent from the public list and
// answered 404 by id exactly as a number that does not exist.
func TestPrivateReportsAreNotPublished(t *testing.T) {
	f := newFixture(t, false)
	public := f.create(f.form())
	private := []*dispatcher.Case{f.submitVia(dispatcher.ChannelHotline, "complaint"),
		f.submitVia(dispatcher.ChannelWeChat, "complaint"), f.submitVia(dispatcher.ChannelWeb, dispatcher.NatureReport)}
	web := f.submitText(dispatcher.ChannelWeb, "complaint", "桥头垃圾", "古南街道") // a web report is public
	ids := []string{public}
	for _, c := range private {
		ids = append(ids, c.Number)
	}
	query := "?service_request_id=" + strings.Join(ids, ",")
	for q, want := range map[string]string{"": web.Number + "," + public, "?service_code=0501": web.Number + "," + public,
		"?status=open": web.Number + "," + public, query: public} {
		if got, total := listIDs(t, f, q); strings.Join(got, ",") != want || total != len(strings.Split(want, ",")) {
			t.Errorf("GET requests%s: %v (total %d), want %s", q, got, total, want)
		}
	}
	missing := "QJ20261124999999"
	for _, format := range []string{formatXML, formatJSON} {
		absent := f.getAs("/requests/" + missing + "." + format)
		for _, c := range private {
			got := f.getAs("/requests/" + c.Number + "." + format)
			if got.code != http.StatusNotFound || got.ct != absent.ct || withoutID(got, c.Number) != withoutID(absent, missing) {
				t.Errorf("%s (%s) by id: %d %s\nwant what a missing number gets: %d %s", c.Number, c.Channel,
					got.code, got.body, absent.code, absent.body)
			}
		}
	}
	for _, body := range []string{f.get("/requests.xml").Body.String(), f.get("/requests.json" + query).Body.String()} {
		for _, secret := range []string{"13900001111", "王五", "沿河路 3 号"} {
			if strings.Contains(body, secret) {
				t.Errorf("a private report leaked %q: %s", secret, body)
			}
		}
	}
}

// A reporter who asks (non_public=true) is not published either; the api key that filed the
// report still reads it, by id and in lists, and no other key does.
func TestNonPublicReadByItsOwnKey(t *testing.T) {
	f := newFixture(t, false)
	other, err := f.svc.CreateAPIKey(context.Background(), "other")
	if err != nil {
		t.Fatal(err)
	}
	form := f.form()
	form.Set("non_public", "true")
	id := f.create(form)
	if c := f.caseByNumber(id); c.IsPublic() || !c.ReporterPrivate || c.APIKey == "" {
		t.Fatalf("case publication %q, reporter_private %v, api key %q", c.Publication, c.ReporterPrivate, c.APIKey)
	}
	key := "api_key=" + url.QueryEscape(f.key)
	if w := f.get("/requests/" + id + ".json"); w.Code != http.StatusNotFound {
		t.Errorf("without a key: %d", w.Code)
	}
	if w := f.get("/requests/" + id + ".json?api_key=" + url.QueryEscape(other)); w.Code != http.StatusNotFound {
		t.Errorf("with another client's key: %d", w.Code)
	}
	w := f.get("/requests/" + id + ".xml?" + key)
	var doc xmlRequests
	decodeXML(t, w, &doc)
	if len(doc.Requests) != 1 || doc.Requests[0].ServiceRequestID != id || !strings.Contains(w.Body.String(), "<non_public>true</non_public>") {
		t.Errorf("with its own key: %s", w.Body)
	}
	for _, secret := range []string{"13800000000", "li.ming@example.cn", "李明"} {
		if strings.Contains(w.Body.String(), secret) {
			t.Errorf("the reporter's %q is in the record read by its key", secret)
		}
	}
	if ids, _ := listIDs(t, f, "?"+key); len(ids) != 1 || ids[0] != id {
		t.Errorf("list with its own key: %v", ids)
	}
	if ids, _ := listIDs(t, f, "?service_request_id="+id); len(ids) != 0 {
		t.Errorf("list by id without a key: %v", ids)
	}
	checkError(t, f.get("/requests/"+id+".json?api_key=nope"), formatJSON, http.StatusForbidden, "api_key")
	checkError(t, f.get("/requests.xml?api_key=nope"), formatXML, http.StatusForbidden, "api_key")
	checkError(t, f.post("/requests.json", func() url.Values { v := f.form(); v.Set("non_public", "maybe"); return v }()),
		formatJSON, http.StatusBadRequest, "non_public")
	public := f.form()
	public.Set("non_public", "false")
	if c := f.caseByNumber(f.create(public)); !c.IsPublic() {
		t.Errorf("non_public=false: publication %q", c.Publication)
	}
}

// The command centre publishes and withdraws with an audited action; a 举报 and a report whose
// reporter asked for privacy can never be published.
func TestSetPublication(t *testing.T) {
	f := newFixture(t, false)
	hotline := f.submitVia(dispatcher.ChannelHotline, "complaint")
	if err := f.setPublication(hotline, dispatcher.Public); err != nil {
		t.Fatal(err)
	}
	if w := f.get("/requests/" + hotline.Number + ".json"); w.Code != http.StatusOK {
		t.Errorf("published hotline case: %d", w.Code)
	}
	if err := f.setPublication(hotline, dispatcher.Public); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		t.Errorf("publishing twice: %v", err)
	}
	if err := f.setPublication(hotline, dispatcher.Private); err != nil {
		t.Fatal(err)
	}
	if w := f.get("/requests/" + hotline.Number + ".json"); w.Code != http.StatusNotFound {
		t.Errorf("withdrawn case: %d", w.Code)
	}
	events, err := f.svc.CaseEvents(context.Background(), dispatcher.SystemActor, hotline.ID)
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, ev := range events {
		if ev.Action == dispatcher.ActSetPublication {
			changes = append(changes, ev.Actor.Login+":"+string(ev.Data)+":"+ev.Reason)
		}
	}
	if strings.Join(changes, " ") != `lead1:{"publication":"public"}:测试 lead1:{"publication":"private"}:测试` {
		t.Errorf("publication events: %v", changes)
	}
	report := f.submitVia(dispatcher.ChannelWeb, dispatcher.NatureReport)
	if err := f.setPublication(report, dispatcher.Public); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		t.Errorf("publishing a 举报: %v", err)
	}
	form := f.form()
	form.Set("non_public", "1")
	asked := f.caseByNumber(f.create(form))
	if err := f.setPublication(asked, dispatcher.Public); dispatcher.ErrorCode(err) != dispatcher.EConflict {
		t.Errorf("publishing against the reporter's wish: %v", err)
	}
	op := dispatcher.Actor{Login: "op1", Role: dispatcher.Operator, Unit: dispatcher.CommandCentre}
	_, err = f.svc.Act(context.Background(), op, hotline.ID,
		dispatcher.ActionRequest{Action: dispatcher.ActSetPublication, Publication: dispatcher.Public, Reason: "x"})
	if dispatcher.ErrorCode(err) != dispatcher.EForbidden {
		t.Errorf("an operator publishing: %v", err)
	}
}
