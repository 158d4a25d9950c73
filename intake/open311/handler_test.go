package open311

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
)

func TestFixturePoints(t *testing.T) {
	_, router := qijiang(t)
	r, err := router.Route(context.Background(), guNan, "0501")
	if err != nil {
		t.Fatalf("古南 point: %v", err)
	}
	if r.Jurisdiction != "QJ-GN" || r.Unit != "QJ-GN-DD" || r.Outcome != dispatcher.RouteToUnit {
		t.Fatalf("古南 point routes to %+v, want QJ-GN / QJ-GN-DD", r)
	}
	if _, err := router.Route(context.Background(), beijing, "0501"); dispatcher.ErrorCode(err) != dispatcher.EOutside {
		t.Fatalf("Beijing point: %v, want outside", err)
	}
}

func TestDiscovery(t *testing.T) {
	f := newFixture(t, false)
	var doc struct {
		Changeset  string `xml:"changeset"`
		Contact    string `xml:"contact"`
		KeyService string `xml:"key_service"`
		Endpoints  []struct {
			Specification string   `xml:"specification"`
			URL           string   `xml:"url"`
			Changeset     string   `xml:"changeset"`
			Type          string   `xml:"type"`
			Formats       []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	w := f.get("/discovery.xml")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	decodeXML(t, w, &doc)
	if len(doc.Endpoints) != 1 {
		t.Fatalf("endpoints: %s", w.Body)
	}
	e := doc.Endpoints[0]
	if e.URL != testBase || e.Specification != Specification || e.Type != "production" ||
		strings.Join(e.Formats, ",") != "text/xml,application/json" {
		t.Errorf("endpoint %+v", e)
	}
	if !strings.HasSuffix(doc.Changeset, "+08:00") || doc.Contact == "" || doc.KeyService == "" {
		t.Errorf("discovery %+v", doc)
	}

	var js map[string]any
	w = f.get("/discovery.json")
	decodeJSON(t, w, &js)
	eps, _ := js["endpoints"].([]any)
	if len(eps) != 1 || eps[0].(map[string]any)["url"] != testBase {
		t.Errorf("json discovery: %s", w.Body)
	}
}

func TestServices(t *testing.T) {
	f := newFixture(t, false)
	ref, _ := qijiang(t)
	cats := ref.Catalogue.Categories()

	var tagged struct {
		Services []struct {
			Code        string `xml:"service_code"`
			Name        string `xml:"service_name"`
			Description string `xml:"description"`
			Metadata    string `xml:"metadata"`
			Type        string `xml:"type"`
			Keywords    string `xml:"keywords"`
			Group       string `xml:"group"`
		} `xml:"service"`
	}
	w := f.get("/services.xml")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	decodeXML(t, w, &tagged)
	if len(tagged.Services) != len(cats) || len(cats) == 0 {
		t.Fatalf("%d services, %d categories", len(tagged.Services), len(cats))
	}
	found := false
	for _, s := range tagged.Services {
		if s.Metadata != "false" || s.Type != "realtime" || s.Name == "" {
			t.Errorf("service %+v", s)
		}
		if s.Code == "0501" {
			found = true
			if s.Name != "无照经营游商" || s.Description != "Unlicensed street vending" || s.Group != "街面秩序" ||
				s.Keywords != "乱摆乱设摊点, 流动摊贩" {
				t.Errorf("0501 = %+v", s)
			}
		}
	}
	if !found {
		t.Fatal("0501 missing")
	}
	if !strings.Contains(w.Body.String(), "<services><service><service_code>0101</service_code>") {
		t.Errorf("element names or order: %.200s", w.Body)
	}

	var list []Service
	w = f.get("/services.json")
	decodeJSON(t, w, &list)
	if len(list) != len(cats) || list[0].ServiceCode != cats[0].Code || list[0].Metadata {
		t.Errorf("json services: %.300s", w.Body)
	}
	if !strings.HasPrefix(w.Body.String(), "[{") {
		t.Errorf("json services is not a bare array: %.40s", w.Body)
	}

	w = f.get("/services.xml?jurisdiction_id=qijiang")
	if w.Code != http.StatusOK {
		t.Errorf("own jurisdiction: %d", w.Code)
	}
	checkError(t, f.get("/services.json?jurisdiction_id=chongqing"), formatJSON, http.StatusNotFound, "jurisdiction_id", "chongqing")
}

func TestServiceDefinition(t *testing.T) {
	f := newFixture(t, false)
	var doc struct {
		XMLName    struct{} `xml:"service_definition"`
		Code       string   `xml:"service_code"`
		Attributes *struct {
			Attribute []struct{} `xml:"attribute"`
		} `xml:"attributes"`
	}
	w := f.get("/services/0501.xml")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	decodeXML(t, w, &doc)
	if doc.Code != "0501" || doc.Attributes == nil || len(doc.Attributes.Attribute) != 0 {
		t.Errorf("definition: %s", w.Body)
	}
	w = f.get("/services/0501.json")
	if strings.TrimSpace(w.Body.String()) != `{"service_code":"0501","attributes":[]}` {
		t.Errorf("json definition: %s", w.Body)
	}
	checkError(t, f.get("/services/9999.xml"), formatXML, http.StatusNotFound, "service_code", "9999")
	checkError(t, f.get("/services/0501.xml?jurisdiction_id=x"), formatXML, http.StatusNotFound, "jurisdiction_id")
}

func TestPostRequest(t *testing.T) {
	f := newFixture(t, false)
	for _, format := range []string{formatXML, formatJSON} {
		t.Run(format, func(t *testing.T) {
			before := f.caseCount()
			w := f.post("/requests."+format, f.form())
			if w.Code != http.StatusCreated {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			var id, notice string
			if format == formatXML {
				var doc xmlRequests
				decodeXML(t, w, &doc)
				if len(doc.Requests) != 1 {
					t.Fatalf("%s", w.Body)
				}
				id, notice = doc.Requests[0].ServiceRequestID, doc.Requests[0].ServiceNotice
				if !strings.Contains(w.Body.String(), "<account_id></account_id>") {
					t.Errorf("account_id element missing: %s", w.Body)
				}
			} else {
				var list []map[string]any
				decodeJSON(t, w, &list)
				if len(list) != 1 {
					t.Fatalf("%s", w.Body)
				}
				v, ok := list[0]["account_id"]
				if !ok || v != nil {
					t.Errorf("account_id should be null: %s", w.Body)
				}
				id, _ = list[0]["service_request_id"].(string)
				notice, _ = list[0]["service_notice"].(string)
			}
			if f.caseCount() != before+1 {
				t.Fatalf("cases %d -> %d", before, f.caseCount())
			}
			if loc := w.Header().Get("Location"); loc != testBase+"/requests/"+id+"."+format {
				t.Errorf("Location = %q", loc)
			}
			if !strings.Contains(notice, "working hours") {
				t.Errorf("service_notice = %q", notice)
			}
			c := f.caseByNumber(id)
			if c.Channel != dispatcher.ChannelOpen311 || c.Nature != "complaint" || c.Category != "0501" ||
				c.Text != "人行道上有流动摊贩" || c.ExternalID != "" {
				t.Errorf("case %+v", c)
			}
			if c.Location.Point != guNan || c.Location.Original != guNan || c.Location.Datum != dispatcher.WGS84 ||
				c.Location.Address != "古南街道 中山路 12 号" {
				t.Errorf("location %+v", c.Location)
			}
			if c.Reporter != (dispatcher.Contact{Name: "李明", Phone: "13800000000", Email: "li.ming@example.cn"}) {
				t.Errorf("reporter %+v", c.Reporter)
			}
			if len(c.Media) != 1 || c.Media[0] != "https://img.example.cn/p/1.jpg" {
				t.Errorf("media %v", c.Media)
			}
			if c.Routing.Unit != "QJ-GN-DD" || c.State != dispatcher.Dispatched {
				t.Errorf("routing %s, state %s", c.Routing.Unit, c.State)
			}
			events, err := f.svc.CaseEvents(context.Background(), dispatcher.SystemActor, c.ID)
			if err != nil || len(events) == 0 {
				t.Fatalf("events: %v", err)
			}
			if a := events[0].Actor; a.Login != "open311:test" || a.Name != "test" || a.Role != dispatcher.System {
				t.Errorf("actor %+v", a)
			}
		})
	}
}

func TestPostRequestQueryKeyAndDescriptionLimit(t *testing.T) {
	f := newFixture(t, false)
	form := f.form()
	form.Del("api_key")
	form.Set("description", strings.Repeat("脏", dispatcher.MaxTextRunes))
	w := f.do(http.MethodPost, "/requests.xml?api_key="+url.QueryEscape(f.key), strings.NewReader(form.Encode()),
		"application/x-www-form-urlencoded; charset=UTF-8")
	if w.Code != http.StatusCreated {
		t.Fatalf("api_key in the query string and a 4,000-character description: %d %s", w.Code, w.Body)
	}
}

func TestGetRequest(t *testing.T) {
	f := newFixture(t, false)
	id := f.create(f.form())
	c := f.caseByNumber(id)
	if c.Clocks.Handling == nil {
		t.Fatal("no handling clock after automatic dispatch")
	}
	loc := f.svc.Calendar().Location()

	w := f.get("/requests/" + id + ".xml")
	if w.Code != http.StatusOK {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var doc xmlRequests
	decodeXML(t, w, &doc)
	if len(doc.Requests) != 1 {
		t.Fatalf("%s", w.Body)
	}
	r := doc.Requests[0]
	want := xmlRequest{
		ServiceRequestID: id, Status: "open", StatusNotes: "已派遣 (dispatched)", ServiceName: "无照经营游商",
		ServiceCode: "0501", Description: "人行道上有流动摊贩", AgencyResponsible: guNanBrigade,
		ServiceNotice:     "本类问题派遣后2个工作小时内处置 (to be handled within 2 working hours of dispatch)",
		RequestedDatetime: "2026-11-24T10:00:00+08:00", UpdatedDatetime: "2026-11-24T10:00:00+08:00",
		ExpectedDatetime: c.Clocks.Handling.Deadline.In(loc).Format(time.RFC3339), Address: "古南街道 中山路 12 号",
		Lat: "28.99", Long: "106.64", MediaURL: "https://img.example.cn/p/1.jpg",
	}
	if cat, _ := f.svc.Category("0501"); cat.HandleLimit != (dispatcher.Limit{Value: 2, Unit: dispatcher.WorkHour}) {
		want.ServiceNotice = r.ServiceNotice // the demo data changed; the notice is checked elsewhere
	}
	if r != want {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if !strings.HasSuffix(r.ExpectedDatetime, "+08:00") || r.ExpectedDatetime <= r.RequestedDatetime {
		t.Errorf("expected_datetime %q", r.ExpectedDatetime)
	}
	for _, elem := range []string{"<address_id></address_id>", "<zipcode></zipcode>"} {
		if !strings.Contains(w.Body.String(), elem) {
			t.Errorf("missing %s", elem)
		}
	}

	w = f.get("/requests/" + id + ".json")
	var list []map[string]any
	decodeJSON(t, w, &list)
	if len(list) != 1 || list[0]["lat"] != 28.99 || list[0]["long"] != 106.64 || list[0]["address_id"] != nil ||
		list[0]["agency_responsible"] != guNanBrigade || list[0]["expected_datetime"] != want.ExpectedDatetime {
		t.Errorf("json: %s", w.Body)
	}
	if _, ok := list[0]["zipcode"]; !ok {
		t.Errorf("zipcode should be present as null: %s", w.Body)
	}
	for _, body := range []string{w.Body.String(), f.get("/requests/" + id + ".xml").Body.String(),
		f.get("/requests.json").Body.String(), f.get("/requests.xml").Body.String()} {
		for _, secret := range []string{"13800000000", "li.ming@example.cn", "李明"} {
			if strings.Contains(body, secret) {
				t.Errorf("the reporter's contact %q leaked: %s", secret, body)
			}
		}
	}

	checkError(t, f.get("/requests/QJ20991231999999.xml"), formatXML, http.StatusNotFound, "service_request_id")
	checkError(t, f.get("/requests/QJ20991231999999.json"), formatJSON, http.StatusNotFound, "service_request_id")
	checkError(t, f.get("/requests/"+id+".json?jurisdiction_id=wansheng"), formatJSON, http.StatusNotFound, "jurisdiction_id")
	if w := f.get("/requests/" + id + ".json?jurisdiction_id=qijiang"); w.Code != http.StatusOK {
		t.Errorf("own jurisdiction: %d", w.Code)
	}
}

func TestGetRequestBeforeDispatch(t *testing.T) {
	f := newFixture(t, true) // manual dispatch: the report waits in "received"
	id := f.create(f.form())
	var doc xmlRequests
	decodeXML(t, f.get("/requests/"+id+".xml"), &doc)
	r := doc.Requests[0]
	if r.Status != "open" || r.StatusNotes != "已受理 (received)" || r.ExpectedDatetime != "" {
		t.Errorf("before dispatch: %+v", r)
	}
	if r.AgencyResponsible != guNanBrigade {
		t.Errorf("agency_responsible before dispatch = %q, want the routed unit", r.AgencyResponsible)
	}
}

func TestGetRequestClosed(t *testing.T) {
	f := newFixture(t, false)
	id := f.create(f.form())
	f.clock.Set(mustTime(t, "2026-11-24T11:30:00+08:00"))
	voidCase(t, f, id)
	f.clock.Set(mustTime(t, "2026-11-24T12:00:00+08:00"))
	var doc xmlRequests
	decodeXML(t, f.get("/requests/"+id+".xml"), &doc)
	r := doc.Requests[0]
	if r.Status != "closed" || r.StatusNotes != "已作废 (voided)" || r.UpdatedDatetime != "2026-11-24T11:30:00+08:00" {
		t.Errorf("closed request: %+v", r)
	}
}

func voidCase(t *testing.T, f *fixture, id string) {
	t.Helper()
	c := f.caseByNumber(id)
	leader := dispatcher.Actor{Login: "leader", Name: "值班长", Role: dispatcher.ShiftLeader, Unit: dispatcher.CommandCentre}
	if _, err := f.svc.Act(context.Background(), leader, c.ID, dispatcher.ActionRequest{Action: dispatcher.ActVoid, Reason: "测试"}); err != nil {
		t.Fatalf("void %s: %v", id, err)
	}
}

func listIDs(t *testing.T, f *fixture, query string) ([]string, int) {
	t.Helper()
	w := f.get("/requests.json" + query)
	if w.Code != http.StatusOK {
		t.Fatalf("GET /requests.json%s: %d %s", query, w.Code, w.Body)
	}
	var list []Request
	decodeJSON(t, w, &list)
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.ServiceRequestID
	}
	total, err := strconv.Atoi(w.Header().Get("X-Total-Count"))
	if err != nil {
		t.Fatalf("X-Total-Count: %v", err)
	}
	return ids, total
}

func TestGetRequestsFilters(t *testing.T) {
	f := newFixture(t, false)
	at := func(s string) { f.clock.Set(mustTime(t, s)) }
	withCode := func(code string) url.Values {
		v := f.form()
		v.Set("service_code", code)
		return v
	}
	at("2026-07-01T10:00:00+08:00")
	old := f.create(withCode("0501")) // more than 90 days before "now"
	at("2026-11-02T10:00:00+08:00")
	a := f.create(withCode("0501"))
	at("2026-11-10T10:00:00+08:00")
	b := f.create(withCode("0504"))
	at("2026-11-20T10:00:00+08:00")
	c := f.create(withCode("0501"))
	voidCase(t, f, c)
	at("2026-11-24T10:00:00+08:00")

	same := func(name string, got []string, want ...string) {
		t.Helper()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	ids, total := listIDs(t, f, "")
	same("default window, newest first", ids, c, b, a)
	if total != 3 {
		t.Errorf("X-Total-Count = %d", total)
	}
	ids, _ = listIDs(t, f, "?service_code=0501")
	same("service_code", ids, c, a)
	ids, _ = listIDs(t, f, "?status=open")
	same("open", ids, b, a)
	ids, _ = listIDs(t, f, "?status=closed")
	same("closed", ids, c)
	ids, _ = listIDs(t, f, "?status=open,closed&service_code=0501")
	same("both statuses", ids, c, a)
	ids, _ = listIDs(t, f, "?start_date="+url.QueryEscape("2026-11-05T00:00:00+08:00")+"&end_date="+url.QueryEscape("2026-11-20T10:00:00+08:00"))
	same("start and end (inclusive)", ids, c, b)
	ids, _ = listIDs(t, f, "?start_date=2026-08-10T00:00:00+08:00") // unescaped +: read back as +08:00
	same("start only: 90 days from it", ids, a)
	ids, _ = listIDs(t, f, "?start_date=2026-06-30T10:00:00+08:00&status=open")
	same("start only, older window", ids, old)
	ids, _ = listIDs(t, f, "?end_date="+url.QueryEscape("2026-11-02T02:00:00Z"))
	same("end only, UTC", ids, a)
	ids, _ = listIDs(t, f, "?service_request_id="+old+","+c+",QJ20000101000000&status=open")
	same("ids override every other filter", ids, c, old)
	ids, total = listIDs(t, f, "?page_size=2")
	same("page 1", ids, c, b)
	if total != 3 {
		t.Errorf("X-Total-Count with paging = %d", total)
	}
	ids, _ = listIDs(t, f, "?page_size=2&page=2")
	same("page 2", ids, a)
	ids, _ = listIDs(t, f, "?page_size=2&page=3")
	same("past the end", ids)
	if w := f.get("/requests.json?page=9"); strings.TrimSpace(w.Body.String()) != "[]" {
		t.Errorf("an empty list is not []: %s", w.Body)
	}

	var doc xmlRequests
	decodeXML(t, f.get("/requests.xml?service_code=0504"), &doc)
	if len(doc.Requests) != 1 || doc.Requests[0].ServiceRequestID != b || doc.Requests[0].ServiceCode != "0504" {
		t.Errorf("xml list: %+v", doc)
	}
	var empty xmlRequests
	w := f.get("/requests.xml?service_code=0102")
	decodeXML(t, w, &empty)
	if len(empty.Requests) != 0 || !strings.Contains(w.Body.String(), "<service_requests></service_requests>") {
		t.Errorf("empty xml list: %s", w.Body)
	}
}

func TestGetRequestsBadQuery(t *testing.T) {
	f := newFixture(t, false)
	for query, field := range map[string]string{
		"?status=pending":                      "status",
		"?start_date=yesterday":                "start_date",
		"?page=0":                              "page",
		"?page_size=1001":                      "page_size",
		"?page_size=abc":                       "page_size",
		"?service_code=9999":                   "service_code",
		"?service_code=0501&service_code=0504": "service_code",
		"?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z": "end_date",
		"?jurisdiction_id=chongqing":                                     "jurisdiction_id",
		"?service_request_id=QJ1,,QJ2":                                   "service_request_id",
	} {
		status := http.StatusBadRequest
		if field == "jurisdiction_id" {
			status = http.StatusNotFound
		}
		checkError(t, f.get("/requests.xml"+query), formatXML, status, field)
	}
	checkError(t, f.get("/requests.json?a=%zz"), formatJSON, http.StatusBadRequest, "malformed")
}

// TestBadInput: every refused report gets a clear 4xx with the error list and stores nothing.
func TestBadInput(t *testing.T) {
	f := newFixture(t, false)
	formWith := func(edit func(v url.Values)) string {
		v := f.form()
		edit(v)
		return v.Encode()
	}
	const formCT = "application/x-www-form-urlencoded"
	tests := []struct {
		name        string
		method      string
		path        string
		body        string
		contentType string
		status      int
		substr      []string
	}{
		{"malformed form", "POST", "/requests.xml", "api_key=" + f.key + "&lat=%zz", formCT, 400, []string{"malformed form"}},
		{"lat=abc", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("lat", "abc") }), formCT, 400, []string{"lat", "decimal"}},
		{"long=abc", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("long", "1O6.65") }), formCT, 400, []string{"long"}},
		{"swapped coordinates", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("lat", "106.65"); v.Set("long", "29.03") }),
			formCT, 400, []string{"lat", "out of range", "swapped"}},
		{"latitude out of range", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("lat", "-91") }), formCT, 400, []string{"lat", "out of range"}},
		{"longitude out of range", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("long", "181") }), formCT, 400, []string{"long", "out of range"}},
		{"outside the district", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("lat", "39.9042"); v.Set("long", "116.4074") }),
			formCT, 400, []string{"lat/long", "outside"}},
		// The specification: 404 for a service_code (or jurisdiction_id) that was not found.
		{"unknown service_code", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("service_code", "9999") }),
			formCT, 404, []string{"service_code", "9999", "not found"}},
		{"malformed service_code", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("service_code", "05 01") }),
			formCT, 404, []string{"service_code", "not found"}},
		{"missing service_code", "POST", "/requests.json", formWith(func(v url.Values) { v.Del("service_code") }),
			formCT, 400, []string{"service_code", "required"}},
		{"description too long", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("description", strings.Repeat("a", 4001)) }),
			formCT, 400, []string{"description", "4001"}},
		{"description NUL", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("description", "a\x00") }),
			formCT, 400, []string{"description"}},
		{"description not UTF-8", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("description", "\xc3\x28") }),
			formCT, 400, []string{"description", "UTF-8"}},
		{"address only", "POST", "/requests.xml", formWith(func(v url.Values) { v.Del("lat"); v.Del("long") }),
			formCT, 400, []string{"lat", "address_string", "lat and long"}},
		{"no location", "POST", "/requests.json", formWith(func(v url.Values) { v.Del("lat"); v.Del("long"); v.Del("address_string") }),
			formCT, 400, []string{"lat", "location is required"}},
		{"lat given twice", "POST", "/requests.json", formWith(func(v url.Values) { v.Add("lat", "29.04") }), formCT, 400, []string{"lat", "2 times"}},
		{"media_url script", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("media_url", "javascript:alert(1)") }),
			formCT, 400, []string{"media_url"}},
		{"email", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("email", "nobody") }), formCT, 400, []string{"email"}},
		{"missing api_key", "POST", "/requests.xml", formWith(func(v url.Values) { v.Del("api_key") }), formCT, 403, []string{"api_key", "required"}},
		{"invalid api_key", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("api_key", "not-a-key") }), formCT, 403, []string{"api_key", "invalid"}},
		{"invalid api_key and bad lat", "POST", "/requests.json", formWith(func(v url.Values) { v.Set("api_key", "x"); v.Set("lat", "abc") }),
			formCT, 403, []string{"api_key"}},
		{"other jurisdiction", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("jurisdiction_id", "wansheng") }),
			formCT, 404, []string{"jurisdiction_id", "wansheng"}},
		{"JSON body", "POST", "/requests.json", `{"service_code":"0501"}`, "application/json", 415, []string{"x-www-form-urlencoded"}},
		{"no content type", "POST", "/requests.xml", f.form().Encode(), "", 415, nil},
		{"latin-1 charset", "POST", "/requests.xml", f.form().Encode(), formCT + "; charset=iso-8859-1", 415, nil},
		{"JSON body", "POST", "/requests.xml", `{"service_code":"0501"}`, "application/json", 415, nil},
		{"broken multipart", "POST", "/requests.xml", "--x\r\nContent-Disposition: form-data; name=\"api_key\"\r\n\r\nk", "multipart/form-data; boundary=x", 400, []string{"multipart"}},
		{"body too large", "POST", "/requests.xml", formWith(func(v url.Values) { v.Set("address_id", strings.Repeat("9", DefaultMaxBodyBytes)) }),
			formCT, 413, []string{"bytes"}},
		{"unknown format", "POST", "/requests.csv", f.form().Encode(), formCT, 404, []string{"/requests.csv"}},
		{"no format", "POST", "/requests", f.form().Encode(), formCT, 404, nil},
		{"unknown path", "POST", "/request.json", f.form().Encode(), formCT, 404, nil},
		{"POST to services", "POST", "/services.xml", f.form().Encode(), formCT, 405, []string{"POST"}},
		{"POST to one request", "POST", "/requests/QJ1.json", f.form().Encode(), formCT, 405, nil},
		{"PUT requests", "PUT", "/requests.json", f.form().Encode(), formCT, 405, []string{"PUT"}},
		{"DELETE request", "DELETE", "/requests/QJ1.xml", "", "", 405, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := f.caseCount()
			w := f.do(tc.method, tc.path, strings.NewReader(tc.body), tc.contentType)
			format := formatXML
			if strings.HasSuffix(tc.path, ".json") {
				format = formatJSON
			}
			checkError(t, w, format, tc.status, tc.substr...)
			if tc.status == http.StatusMethodNotAllowed {
				allow := w.Header().Get("Allow")
				wantPost := strings.HasSuffix(strings.TrimSuffix(strings.TrimSuffix(tc.path, ".json"), ".xml"), "/requests")
				if !strings.Contains(allow, "GET") || strings.Contains(allow, "POST") != wantPost {
					t.Errorf("Allow = %q", allow)
				}
			}
			if n := f.caseCount(); n != before {
				t.Errorf("a refused report stored a case: %d -> %d", before, n)
			}
		})
	}
	if n := f.caseCount(); n != 0 {
		t.Fatalf("%d cases stored by bad input", n)
	}
}

func TestHTMLDescription(t *testing.T) {
	f := newFixture(t, false)
	const text = `<script>alert("x")</script> & <b>摊贩</b> ]]> &amp;`
	form := f.form()
	form.Set("description", text)
	id := f.create(form)
	if got := f.caseByNumber(id).Text; got != text {
		t.Fatalf("stored %q, want the text as sent", got)
	}
	w := f.get("/requests/" + id + ".xml")
	if body := w.Body.String(); strings.Contains(body, "<script>") || strings.Contains(body, "<b>") ||
		!strings.Contains(body, "&lt;script&gt;") {
		t.Errorf("XML not escaped: %s", body)
	}
	var doc xmlRequests
	decodeXML(t, w, &doc)
	if doc.Requests[0].Description != text {
		t.Errorf("XML round trip: %q", doc.Requests[0].Description)
	}
	w = f.get("/requests/" + id + ".json")
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("JSON carries raw markup: %s", w.Body)
	}
	var list []Request
	decodeJSON(t, w, &list)
	if list[0].Description == nil || *list[0].Description != text {
		t.Errorf("JSON round trip: %v", list[0].Description)
	}
	if w.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Error("no nosniff header")
	}
}

func TestMethodsAndPaths(t *testing.T) {
	f := newFixture(t, false)
	for _, p := range []string{"/", "/foo.xml", "/services", "/services.csv", "/services.xml/", "/services/0501",
		"/requests/.xml", "/requests/a/b.xml", "/discovery.XML"} {
		w := f.get(p)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", p, w.Code)
			continue
		}
		checkError(t, w, formatXML, http.StatusNotFound)
	}
	checkError(t, f.get("/nothing.json"), formatJSON, http.StatusNotFound)
	if w := f.do(http.MethodHead, "/services.xml", nil, ""); w.Code != http.StatusOK {
		t.Errorf("HEAD: %d", w.Code)
	}
	w := f.do(http.MethodOptions, "/requests.json", nil, "")
	if w.Code != http.StatusNoContent || !strings.Contains(w.Header().Get("Allow"), "POST") {
		t.Errorf("OPTIONS: %d %q", w.Code, w.Header().Get("Allow"))
	}
}

func TestChannelOption(t *testing.T) {
	f := newFixture(t, false)
	id := f.create(f.form())
	// A case from another channel, filed through the service directly.
	res, err := f.svc.Submit(context.Background(), dispatcher.SystemActor, dispatcher.Complaint{
		Channel: dispatcher.ChannelHotline, Category: "0501", Text: "热线",
		Location: dispatcher.Location{Point: guNan, Original: guNan, Datum: dispatcher.WGS84}})
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(f.svc, Options{Channel: dispatcher.ChannelOpen311})
	get := func(path string) *http.Response {
		r, _ := http.NewRequest(http.MethodGet, "http://x"+path, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}
	var list []Request
	resp := get("/requests.json")
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil || len(list) != 1 || list[0].ServiceRequestID != id {
		t.Errorf("channel-limited list: %+v %v", list, err)
	}
	if resp := get("/requests/" + res.Case.Number + ".json"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another channel's case: %d", resp.StatusCode)
	}
	// Without PublicURL, discovery names the request's host and the default mount.
	var disc Discovery
	if err := json.NewDecoder(get("/discovery.json").Body).Decode(&disc); err != nil || disc.Endpoints[0].URL != "http://x/open311/v2" {
		t.Errorf("discovery without PublicURL: %+v %v", disc, err)
	}
}
