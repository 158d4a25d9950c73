package open311

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"cityhub/web/proxy"
)

// Tests of the points where the endpoint followed the letter of GeoReport v2 badly: the links it
// hands out, the XML content type, service_code lists and date windows at the precision shown.

// linkFixture mounts a handler with the given options as the web server does.
func linkFixture(t *testing.T, opts Options) http.Handler {
	f := newFixture(t, false)
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	mux := http.NewServeMux()
	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", NewHandler(f.svc, opts)))
	key := f.key
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			q := r.URL.Query()
			q.Set("api_key", key)
			r.URL.RawQuery = q.Encode()
		}
		mux.ServeHTTP(w, r)
	})
}

// links asks discovery for the endpoint's URL and files a report for its Location, sending the
// request from peer with the given headers.
func links(t *testing.T, h http.Handler, peer, host string, header http.Header) (endpoint, location string) {
	t.Helper()
	send := func(method, path string, body io.Reader) *httptest.ResponseRecorder {
		r := httptest.NewRequest(method, "http://"+host+"/open311/v2"+path, body)
		r.RemoteAddr = peer + ":40000"
		for k, vs := range header {
			r.Header[k] = vs
		}
		if body != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var disc Discovery
	w := send(http.MethodGet, "/discovery.json", nil)
	if err := json.Unmarshal(w.Body.Bytes(), &disc); err != nil || len(disc.Endpoints) != 1 {
		t.Fatalf("discovery: %d %s", w.Code, w.Body)
	}
	form := url.Values{"service_code": {"0501"}, "lat": {"28.99"}, "long": {"106.64"}, "description": {"占道"}}
	w = send(http.MethodPost, "/requests.xml", strings.NewReader(form.Encode()))
	if w.Code != http.StatusCreated {
		t.Fatalf("POST: %d %s", w.Code, w.Body)
	}
	return disc.Endpoints[0].URL, w.Header().Get("Location")
}

func TestLinksFollowTheRequest(t *testing.T) {
	trusted, err := proxy.Parse("10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	behindProxy := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"hub.example.cn"}}
	tests := []struct {
		name       string
		opts       Options
		peer, host string
		header     http.Header
		want       string
	}{
		{"the Host the client used", Options{}, "192.0.2.7", "127.0.0.1:18080", nil, "http://127.0.0.1:18080/open311/v2"},
		{"a trusted proxy's scheme and host", Options{Proxies: trusted}, "10.1.2.3", "10.0.0.9:8080", behindProxy,
			"https://hub.example.cn/open311/v2"},
		{"an untrusted client's headers are not believed", Options{Proxies: trusted}, "192.0.2.7", "hub.example.cn:8080",
			behindProxy, "http://hub.example.cn:8080/open311/v2"},
		{"no proxy trusted", Options{}, "10.1.2.3", "10.0.0.9:8080", behindProxy, "http://10.0.0.9:8080/open311/v2"},
		{"--public-url wins", Options{PublicURL: "https://12345.qijiang.gov.cn/hub", Proxies: trusted}, "10.1.2.3",
			"10.0.0.9:8080", behindProxy, "https://12345.qijiang.gov.cn/hub/open311/v2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			endpoint, location := links(t, linkFixture(t, tc.opts), tc.peer, tc.host, tc.header)
			if endpoint != tc.want {
				t.Errorf("discovery url = %q, want %q", endpoint, tc.want)
			}
			if !strings.HasPrefix(location, tc.want+"/requests/") || !strings.HasSuffix(location, ".xml") {
				t.Errorf("Location = %q, want %s/requests/{id}.xml", location, tc.want)
			}
		})
	}
}

// XML is text/xml; charset=utf-8, as the specification and discovery's formats say.
func TestXMLIsTextXML(t *testing.T) {
	f := newFixture(t, false)
	for _, path := range []string{"/discovery.xml", "/services.xml", "/services/0501.xml", "/requests.xml",
		"/servicerequestupdates.xml", "/services/9999.xml", "/nothing.xml"} {
		if ct := f.get(path).Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q, want text/xml; charset=utf-8", path, ct)
		}
	}
	if ct := f.post("/requests.xml", f.form()).Header().Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("POST: Content-Type %q", ct)
	}
}

func TestServiceCodeList(t *testing.T) {
	f := newFixture(t, false)
	codes := map[string]string{}
	for _, code := range []string{"0501", "0504", "0101"} {
		form := f.form()
		form.Set("service_code", code)
		codes[code] = f.create(form)
	}
	ids, total := listIDs(t, f, "?service_code=0501,0101")
	if strings.Join(ids, ",") != codes["0101"]+","+codes["0501"] || total != 2 {
		t.Errorf("service_code=0501,0101: %v (total %d), want %s and %s", ids, total, codes["0101"], codes["0501"])
	}
	ids, _ = listIDs(t, f, "?service_code="+url.QueryEscape("0504, 0504"))
	if strings.Join(ids, ",") != codes["0504"] {
		t.Errorf("a repeated code: %v", ids)
	}
	checkError(t, f.get("/requests.json?service_code=0501,9999"), formatJSON, http.StatusBadRequest, "service_code", "9999")
}

// A request shown as made at 10:00:00 is inside every window that contains 10:00:00, whatever
// fraction of a second it was really made at: the windows compare at the precision they show.
func TestDateWindowAtTheSecondShown(t *testing.T) {
	f := newFixture(t, false)
	f.clock.Set(mustTime(t, "2026-11-24T10:00:00+08:00").Add(600 * time.Millisecond))
	id := f.create(f.form())
	var doc xmlRequests
	decodeXML(t, f.get("/requests/"+id+".xml"), &doc)
	if shown := doc.Requests[0].RequestedDatetime; shown != "2026-11-24T10:00:00+08:00" {
		t.Fatalf("requested_datetime %q", shown)
	}
	q := func(start, end string) string {
		return "?start_date=" + url.QueryEscape(start) + "&end_date=" + url.QueryEscape(end)
	}
	for _, tc := range []struct {
		query string
		found bool
	}{
		{q("2026-11-24T09:00:00+08:00", "2026-11-24T10:00:00+08:00"), true}, // ends at the second shown
		{q("2026-11-24T10:00:00+08:00", "2026-11-24T11:00:00+08:00"), true}, // the next window starts there
		{q("2026-11-24T02:00:00Z", "2026-11-24T02:00:00Z"), true},           // that one second, in UTC
		{q("2026-11-24T09:00:00+08:00", "2026-11-24T09:59:59+08:00"), false},
		{q("2026-11-24T10:00:01+08:00", "2026-11-24T11:00:00+08:00"), false},
	} {
		ids, _ := listIDs(t, f, tc.query)
		if found := len(ids) == 1 && ids[0] == id; found != tc.found {
			t.Errorf("%s: found %v, want %v", tc.query, found, tc.found)
		}
	}
}
