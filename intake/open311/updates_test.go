package open311

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
)

// xmlUpdates is the feed as FixMyStreet's XML::Simple reading of it sees it.
type xmlUpdates struct {
	XMLName xml.Name `xml:"service_request_updates"`
	Updates []struct {
		UpdateID         string  `xml:"update_id"`
		ServiceRequestID string  `xml:"service_request_id"`
		Status           string  `xml:"status"`
		UpdatedDatetime  string  `xml:"updated_datetime"`
		Description      string  `xml:"description"`
		MediaURL         *string `xml:"media_url"`
	} `xml:"request_update"`
}

var (
	gnLead    = dispatcher.Actor{Login: "gn-lead", Name: "古南队长", Role: dispatcher.TeamLead, Unit: "QJ-GN-DD"}
	gnOfficer = dispatcher.Actor{Login: "gn-1", Name: "古南队员", Role: dispatcher.Officer, Unit: "QJ-GN-DD"}
	inspector = dispatcher.Actor{Login: "insp1", Name: "监督员", Role: dispatcher.Inspector, Unit: dispatcher.CommandCentre}
)

// act takes an action on a case at a given time.
func (f *fixture) actAt(at string, actor dispatcher.Actor, number string, req dispatcher.ActionRequest) {
	f.t.Helper()
	f.clock.Set(mustTime(f.t, at))
	if _, err := f.svc.Act(context.Background(), actor, f.caseByNumber(number).ID, req); err != nil {
		f.t.Fatalf("%s: %v", req.Action, err)
	}
}

func (f *fixture) updates(query string) xmlUpdates {
	f.t.Helper()
	w := f.get("/servicerequestupdates.xml" + query)
	if w.Code != http.StatusOK {
		f.t.Fatalf("GET servicerequestupdates.xml%s: %d %s", query, w.Code, w.Body)
	}
	var doc xmlUpdates
	decodeXML(f.t, w, &doc)
	return doc
}

func window(start, end string) string {
	return "?start_date=" + url.QueryEscape(start) + "&end_date=" + url.QueryEscape(end)
}

// One update per public status change, each with its own id, status, time and a fixed text; no
// officer's words, no reporter data, and the report's photo is not repeated.
func TestServiceRequestUpdates(t *testing.T) {
	f := newFixture(t, false)
	id := f.create(f.form()) // 10:00, registered and dispatched at once
	f.actAt("2026-11-24T10:30:00+08:00", gnLead, id, dispatcher.ActionRequest{Action: dispatcher.ActAcknowledge})
	f.actAt("2026-11-24T10:40:00+08:00", gnLead, id, dispatcher.ActionRequest{Action: dispatcher.ActNote, Text: "摊主张某某，住沿河路 5 号"})
	f.actAt("2026-11-24T11:00:00+08:00", gnOfficer, id, dispatcher.ActionRequest{Action: dispatcher.ActResolve,
		Text: "已劝离摊主张某某（电话 13700000000）"})
	f.actAt("2026-11-24T11:30:00+08:00", inspector, id, dispatcher.ActionRequest{Action: dispatcher.ActPass})
	f.clock.Set(mustTime(t, "2026-11-24T12:00:00+08:00"))

	doc := f.updates(window("2026-11-24T09:00:00+08:00", "2026-11-24T12:00:00+08:00"))
	type row struct{ status, at string }
	var got []row
	seen := map[string]bool{}
	for _, u := range doc.Updates {
		got = append(got, row{u.Status, u.UpdatedDatetime})
		if u.ServiceRequestID != id || u.UpdateID == "" || seen[u.UpdateID] {
			t.Errorf("update %+v: wrong request or id not unique", u)
		}
		seen[u.UpdateID] = true
		if u.MediaURL == nil || *u.MediaURL != "" {
			t.Errorf("update %s: media_url %v, want the element, empty", u.UpdateID, u.MediaURL)
		}
		if !strings.Contains(u.Description, "(") || strings.Contains(u.Description, "张某某") {
			t.Errorf("update %s: description %q, want a fixed bilingual sentence", u.UpdateID, u.Description)
		}
	}
	want := []row{{"action_scheduled", "2026-11-24T10:00:00+08:00"}, {"in_progress", "2026-11-24T10:30:00+08:00"},
		{"fixed", "2026-11-24T11:30:00+08:00"}}
	if len(got) != len(want) {
		t.Fatalf("updates %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("update %d: %v, want %v", i, got[i], want[i])
		}
	}
	body := f.get("/servicerequestupdates.json" + window("2026-11-24T09:00:00+08:00", "2026-11-24T12:00:00+08:00")).Body.String()
	for _, secret := range []string{"13800000000", "李明", "li.ming", "张某某", "13700000000", "img.example.cn"} {
		if strings.Contains(body, secret) {
			t.Errorf("the feed carries %q: %s", secret, body)
		}
	}
	var list []Update
	w := f.get("/servicerequestupdates.json" + window("2026-11-24T10:30:00+08:00", "2026-11-24T10:30:00+08:00"))
	decodeJSON(t, w, &list)
	if len(list) != 1 || list[0].Status != "in_progress" || list[0].ServiceRequestID != id || !strings.HasPrefix(w.Body.String(), "[{") {
		t.Errorf("json feed of one second: %s", w.Body)
	}
	// FixMyStreet sends UTC with a Z and compares the times it reads, converted to UTC, with them.
	if d := f.updates(window("2026-11-24T03:00:00Z", "2026-11-24T03:30:00Z")); len(d.Updates) != 1 || d.Updates[0].Status != "fixed" {
		t.Errorf("a UTC window: %+v", d.Updates)
	}
	if d := f.updates(""); len(d.Updates) != 3 {
		t.Errorf("default window (the last day): %d updates", len(d.Updates))
	}
}

// Each public status the lifecycle can reach, with the extension's value FixMyStreet maps.
func TestUpdateStatuses(t *testing.T) {
	f := newFixture(t, true) // manual dispatch: the centre takes each step
	disp := dispatcher.Actor{Login: "disp1", Role: dispatcher.DispatcherRole, Unit: dispatcher.CommandCentre}
	op := dispatcher.Actor{Login: "op1", Role: dispatcher.Operator, Unit: dispatcher.CommandCentre}
	at := "2026-11-24T10:05:00+08:00"
	first := f.create(f.form())
	merged, rejected, transferred := f.create(f.form()), f.create(f.form()), f.create(f.form())
	f.actAt(at, op, merged, dispatcher.ActionRequest{Action: dispatcher.ActMerge, Into: first, Reason: "同一处占道经营"})
	f.actAt(at, op, rejected, dispatcher.ActionRequest{Action: dispatcher.ActVerify})
	f.actAt(at, leader, rejected, dispatcher.ActionRequest{Action: dispatcher.ActReject, Reason: "现场无此情况"})
	f.actAt(at, leader, transferred, dispatcher.ActionRequest{Action: dispatcher.ActRegister})
	f.actAt(at, disp, transferred, dispatcher.ActionRequest{Action: dispatcher.ActTransfer, Unit: "EXT-PSB"})
	f.actAt(at, leader, first, dispatcher.ActionRequest{Action: dispatcher.ActRegister})
	f.actAt(at, disp, first, dispatcher.ActionRequest{Action: dispatcher.ActDispatch})
	f.actAt(at, gnLead, first, dispatcher.ActionRequest{Action: dispatcher.ActReturn, Reason: "不属本队"})
	f.clock.Set(mustTime(t, "2026-11-24T11:00:00+08:00"))
	got := map[string][]string{}
	for _, u := range f.updates("").Updates {
		got[u.ServiceRequestID] = append(got[u.ServiceRequestID], u.Status)
	}
	want := map[string]string{merged: "duplicate", rejected: "investigating,no_further_action",
		transferred: "not_councils_responsibility", first: "action_scheduled,open"} // registering changes nothing public
	for id, w := range want {
		if strings.Join(got[id], ",") != w {
			t.Errorf("%s: statuses %v, want %s", id, got[id], w)
		}
	}
}

// Updates of private reports are not in the feed, except for the api key that filed them.
func TestUpdatesOfPrivateReports(t *testing.T) {
	f := newFixture(t, false)
	hotline := f.submitVia(dispatcher.ChannelHotline, "complaint")
	form := f.form()
	form.Set("non_public", "true")
	own := f.create(form)
	public := f.create(f.form())
	f.clock.Set(mustTime(t, "2026-11-24T10:10:00+08:00"))
	ids := func(d xmlUpdates) string {
		var out []string
		for _, u := range d.Updates {
			out = append(out, u.ServiceRequestID)
		}
		return strings.Join(out, ",")
	}
	if got := ids(f.updates("")); got != public {
		t.Errorf("public feed: %s, want only %s", got, public)
	}
	if got := ids(f.updates("?api_key=" + url.QueryEscape(f.key))); got != own+","+public {
		t.Errorf("feed for the filing key: %s, want %s,%s", got, own, public)
	}
	checkError(t, f.get("/servicerequestupdates.xml?api_key=nope"), formatXML, http.StatusForbidden, "api_key")
	if err := f.setPublication(hotline, dispatcher.Public); err != nil {
		t.Fatal(err)
	}
	if got := ids(f.updates("")); got != hotline.Number+","+public {
		t.Errorf("after publishing the hotline case: %s", got)
	}
}

func TestServiceRequestUpdatesBadQuery(t *testing.T) {
	f := newFixture(t, false)
	for query, field := range map[string]string{
		"?start_date=yesterday": "start_date",
		"?end_date=2026-11-24":  "end_date",
		window("2026-11-24T10:00:00+08:00", "2026-11-23T10:00:00+08:00"): "end_date",
		window("2026-11-01T10:00:00+08:00", "2026-11-24T10:00:00+08:00"): "end_date",
	} {
		checkError(t, f.get("/servicerequestupdates.json"+query), formatJSON, http.StatusBadRequest, field)
	}
	checkError(t, f.get("/servicerequestupdates.xml?jurisdiction_id=wansheng"), formatXML, http.StatusNotFound, "jurisdiction_id")
	w := f.do("PUT", "/servicerequestupdates.xml", strings.NewReader(""), "")
	checkError(t, w, formatXML, http.StatusMethodNotAllowed)
	if allow := w.Header().Get("Allow"); !strings.Contains(allow, "POST") || !strings.Contains(allow, "GET") {
		t.Errorf("Allow: %q", allow)
	}
}

// The window of the feed is in whole seconds, as updated_datetime shows it.
func TestUpdatesWindowAtTheSecondShown(t *testing.T) {
	f := newFixture(t, false)
	f.clock.Set(mustTime(t, "2026-11-24T10:00:00+08:00").Add(700 * time.Millisecond))
	id := f.create(f.form())
	for _, tc := range []struct {
		query string
		n     int
	}{
		{window("2026-11-24T09:00:00+08:00", "2026-11-24T10:00:00+08:00"), 1},
		{window("2026-11-24T10:00:00+08:00", "2026-11-24T11:00:00+08:00"), 1},
		{window("2026-11-24T09:00:00+08:00", "2026-11-24T09:59:59+08:00"), 0},
		{window("2026-11-24T10:00:01+08:00", "2026-11-24T11:00:00+08:00"), 0},
	} {
		d := f.updates(tc.query)
		if len(d.Updates) != tc.n || (tc.n == 1 && d.Updates[0].ServiceRequestID != id) {
			t.Errorf("%s: %+v, want %d update(s)", tc.query, d.Updates, tc.n)
		}
	}
}
