package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
	"cityhub/internal/testref"
	"cityhub/internal/teststore"
)

// testRoot is the public URL the fixture is configured with; testBase is its Open311 mount.
const (
	testRoot = "https://hub.example.cn"
	testBase = testRoot + "/open311/v2"
)

// Points used by the tests. TestFixturePoints checks where they are.
var (
	guNan   = dispatcher.Point{Lat: 28.99, Lng: 106.64} // 古南街道: QJ-GN, the 古南 brigade (29.03, 106.65 is in 文龙街道)
	beijing = dispatcher.Point{Lat: 39.9042, Lng: 116.4074}
)

const guNanBrigade = "綦江区城市管理局派驻古南街道执法大队"

func qijiang(t testing.TB) (*dispatcher.Reference, *dispatcher.RoutingPolicy) {
	return testref.Qijiang(t)
}

// fixture is a real service on a fresh SQLite database, with the handler mounted as the web server
// mounts it.
type fixture struct {
	t     *testing.T
	svc   *dispatcher.Service
	clock *testclock.Clock
	key   string
	mux   *http.ServeMux
}

func newFixture(t *testing.T, manual bool) *fixture {
	t.Helper()
	ref, router := qijiang(t)
	store := teststore.Open(t)
	clk := testclock.New(mustTime(t, "2026-11-24T10:00:00+08:00")) // a Tuesday, in working hours
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref,
		Now: clk.Now, ManualDispatch: manual, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("NewService: %v", err)
	}
	key, err := svc.CreateAPIKey(context.Background(), "test")
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	h := NewHandler(svc, Options{PublicURL: testRoot + "/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	mux := http.NewServeMux()
	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", h))
	return &fixture{t: t, svc: svc, clock: clk, key: key, mux: mux}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// do sends a request to the mounted handler. path is under /open311/v2.
func (f *fixture) do(method, path string, body io.Reader, contentType string) *httptest.ResponseRecorder {
	f.t.Helper()
	r := httptest.NewRequest(method, "/open311/v2"+path, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	w := httptest.NewRecorder()
	f.mux.ServeHTTP(w, r)
	return w
}

func (f *fixture) get(path string) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(http.MethodGet, path, nil, "")
}

func (f *fixture) post(path string, form url.Values) *httptest.ResponseRecorder {
	f.t.Helper()
	return f.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// form is a valid report in 古南街道 with the fixture's key.
func (f *fixture) form() url.Values {
	return url.Values{
		"api_key":        {f.key},
		"service_code":   {"0501"},
		"lat":            {"28.99"},
		"long":           {"106.64"},
		"address_string": {"古南街道 中山路 12 号"},
		"first_name":     {"明"},
		"last_name":      {"李"},
		"phone":          {"13800000000"},
		"email":          {"li.ming@example.cn"},
		"description":    {"人行道上有流动摊贩"},
		"media_url":      {"https://img.example.cn/p/1.jpg"},
	}
}

// create files a report and returns its id.
func (f *fixture) create(form url.Values) string {
	f.t.Helper()
	w := f.post("/requests.json", form)
	if w.Code != http.StatusCreated {
		f.t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	var created []map[string]any
	decodeJSON(f.t, w, &created)
	if len(created) != 1 {
		f.t.Fatalf("POST answer: %s", w.Body)
	}
	id, _ := created[0]["service_request_id"].(string)
	if id == "" {
		f.t.Fatalf("no id: %s", w.Body)
	}
	return id
}

func (f *fixture) caseCount() int {
	f.t.Helper()
	ids, err := f.svc.Store().CaseIDs(context.Background(), 0, 10000)
	if err != nil {
		f.t.Fatal(err)
	}
	return len(ids)
}

func (f *fixture) caseByNumber(number string) *dispatcher.Case {
	f.t.Helper()
	c, err := f.svc.CaseByNumber(context.Background(), dispatcher.SystemActor, number)
	if err != nil {
		f.t.Fatalf("case %s: %v", number, err)
	}
	return c
}

func decodeJSON(t testing.TB, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != contentJSON {
		t.Fatalf("Content-Type = %q, want %q", ct, contentJSON)
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
}

func decodeXML(t testing.TB, w *httptest.ResponseRecorder, v any) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != contentXML {
		t.Fatalf("Content-Type = %q, want %q", ct, contentXML)
	}
	if !strings.HasPrefix(w.Body.String(), `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Fatalf("no XML declaration: %.80s", w.Body)
	}
	if err := xml.Unmarshal(w.Body.Bytes(), v); err != nil {
		t.Fatalf("decoding %s: %v", w.Body, err)
	}
}

// xmlErrors and the others are what a client would decode.
type xmlErrors struct {
	XMLName xml.Name `xml:"errors"`
	Errors  []struct {
		Code        int    `xml:"code"`
		Description string `xml:"description"`
	} `xml:"error"`
}

type xmlRequests struct {
	XMLName  xml.Name     `xml:"service_requests"`
	Requests []xmlRequest `xml:"request"`
}

type xmlRequest struct {
	ServiceRequestID  string `xml:"service_request_id"`
	Status            string `xml:"status"`
	StatusNotes       string `xml:"status_notes"`
	ServiceName       string `xml:"service_name"`
	ServiceCode       string `xml:"service_code"`
	Description       string `xml:"description"`
	AgencyResponsible string `xml:"agency_responsible"`
	ServiceNotice     string `xml:"service_notice"`
	AccountID         string `xml:"account_id"`
	RequestedDatetime string `xml:"requested_datetime"`
	UpdatedDatetime   string `xml:"updated_datetime"`
	ExpectedDatetime  string `xml:"expected_datetime"`
	Address           string `xml:"address"`
	AddressID         string `xml:"address_id"`
	Zipcode           string `xml:"zipcode"`
	Lat               string `xml:"lat"`
	Long              string `xml:"long"`
	MediaURL          string `xml:"media_url"`
}

// checkError checks an error answer in either format: the status, a one-item list with the same
// code, and a description that contains every substring (the field's name, typically).
func checkError(t *testing.T, w *httptest.ResponseRecorder, format string, status int, substr ...string) {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status = %d, want %d: %s", w.Code, status, w.Body)
	}
	var code int
	var desc string
	if format == formatJSON {
		var list []Error
		decodeJSON(t, w, &list)
		if len(list) != 1 {
			t.Fatalf("error list: %s", w.Body)
		}
		code, desc = list[0].Code, list[0].Description
	} else {
		var doc xmlErrors
		decodeXML(t, w, &doc)
		if len(doc.Errors) != 1 {
			t.Fatalf("error list: %s", w.Body)
		}
		code, desc = doc.Errors[0].Code, doc.Errors[0].Description
	}
	if code != status {
		t.Errorf("error code = %d, want %d", code, status)
	}
	for _, s := range substr {
		if !strings.Contains(desc, s) {
			t.Errorf("description %q lacks %q", desc, s)
		}
	}
}
