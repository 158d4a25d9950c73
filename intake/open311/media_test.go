package open311

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strings"
	"testing"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
	"cityhub/internal/teststore"
)

// newMediaFixture is newFixture with a store for uploads.
func newMediaFixture(t *testing.T) *fixture {
	t.Helper()
	ref, router := qijiang(t)
	store := teststore.Open(t)
	ms := teststore.Media(t, store)
	clk := testclock.New(mustTime(t, "2026-11-24T10:00:00+08:00"))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: clk.Now,
		Media: ms, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	key, err := svc.CreateAPIKey(context.Background(), "fixmystreet")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(svc, Options{PublicURL: testRoot + "/", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	mux := http.NewServeMux()
	mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", h))
	return &fixture{t: t, svc: svc, clock: clk, key: key, mux: mux}
}

// part is one file of a multipart form.
type part struct {
	field, filename, contentType string
	data                         []byte
}

// multipartForm writes the fields, then the files, as FixMyStreet's client does (HTTP::Request's
// form-data: a part per field, then photo1, photo2... with a file name and the photo's type).
func multipartForm(t *testing.T, fields url.Values, files ...part) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, f.field, f.filename))
		h.Set("Content-Type", f.contentType)
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func gpsJPEG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../media/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) postMultipart(path string, fields url.Values, files ...part) *http.Response {
	f.t.Helper()
	body, ct := multipartForm(f.t, fields, files...)
	return f.do(http.MethodPost, path, body, ct).Result()
}

// A report with a photo uploaded as FixMyStreet uploads it: the case keeps the photo, media_url
// points at the hub, and the photo served there is the stripped copy, in both formats.
func TestPostWithAnUploadedPhoto(t *testing.T) {
	f := newMediaFixture(t)
	fields := f.form()
	fields.Del("media_url") // FixMyStreet drops it when it uploads
	photo := gpsJPEG(t)
	res := f.postMultipart("/requests.xml", fields, part{"photo1", "1234.0.full.jpeg", "image/jpeg", photo})
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d %s", res.StatusCode, body)
	}
	var created struct {
		Request []struct {
			ID string `xml:"service_request_id"`
		} `xml:"request"`
	}
	if err := xml.Unmarshal(body, &created); err != nil || len(created.Request) != 1 {
		t.Fatalf("answer %s (%v)", body, err)
	}
	id := created.Request[0].ID
	c, err := f.svc.CaseByNumber(context.Background(), reader, id)
	if err != nil || len(c.Media) != 1 || !dispatcher.IsMediaHash(c.Media[0]) {
		t.Fatalf("case media %v, %v", c.Media, err)
	}
	want := testRoot + "/open311/v2/media/" + c.Media[0] + ".jpg"
	var list []Request
	decodeJSON(t, f.get("/requests/"+id+".json"), &list)
	if len(list) != 1 || list[0].MediaURL == nil || *list[0].MediaURL != want {
		t.Fatalf("media_url %v, want %s", list[0].MediaURL, want)
	}
	if x := f.get("/requests/" + id + ".xml").Body.String(); !strings.Contains(x, "<media_url>"+want+"</media_url>") {
		t.Fatalf("XML media_url: %s", x)
	}
	served := f.get("/media/" + c.Media[0] + ".jpg")
	if served.Code != 200 || served.Header().Get("Content-Type") != "image/jpeg" {
		t.Fatalf("GET media: %d %s", served.Code, served.Header().Get("Content-Type"))
	}
	got := served.Body.Bytes()
	for _, secret := range []string{"Exif", "13800138000", "secret comment", "secret creator"} {
		if !bytes.Contains(photo, []byte(secret)) {
			t.Fatalf("the fixture lacks %q", secret)
		}
		if bytes.Contains(got, []byte(secret)) {
			t.Errorf("the served photo carries %q", secret)
		}
	}
}

// The photo of a private report, an unknown hash, and evidence attached by the handling are not
// served; neither is anything of a hub without the file.
func TestMediaOfPrivateReportsIsNotServed(t *testing.T) {
	f := newMediaFixture(t)
	fields := f.form()
	fields.Set("non_public", "true")
	res := f.postMultipart("/requests.json", fields, part{"photo1", "p.jpeg", "image/jpeg", gpsJPEG(t)})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d", res.StatusCode)
	}
	page, _ := f.svc.Cases(context.Background(), reader, dispatcher.CaseFilter{Limit: 1})
	sha := page.Cases[0].Media[0]
	for _, path := range []string{"/media/" + sha + ".jpg", "/media/" + strings.Repeat("0", 64) + ".jpg", "/media/nothing.jpg"} {
		if w := f.get(path); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d", path, w.Code)
		}
	}
}

// A file the hub does not keep, or too many, is refused naming the part, and nothing is filed.
func TestUploadsRefused(t *testing.T) {
	f := newMediaFixture(t)
	fields := f.form()
	text := part{"photo1", "notes.txt", "text/plain", []byte("not a photo at all")}
	five := []part{}
	for i := range 5 {
		five = append(five, part{fmt.Sprintf("photo%d", i+1), "p.jpeg", "image/jpeg", gpsJPEG(t)})
	}
	for name, files := range map[string][]part{"a text file": {text}, "five photos": five} {
		res := f.postMultipart("/requests.json", fields, files...)
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "photo") {
			t.Errorf("%s: %d %s", name, res.StatusCode, body)
		}
	}
	if n := f.caseCount(); n != 0 {
		t.Fatalf("%d cases filed", n)
	}
}

// extensions=true: each request carries its public history; updated_after keeps the requests
// changed after it, old ones included.
func TestExtensionsAndUpdatedAfter(t *testing.T) {
	f := newMediaFixture(t)
	id := f.create(f.form())
	f.clock.Add(2 * 3600e9)
	later := f.create(f.form())
	var list []Request
	decodeJSON(t, f.get("/requests.json?extensions=true&service_request_id="+id), &list)
	x := list[0].Extended
	if x == nil || x.Channel != dispatcher.ChannelOpen311 || x.Reporters != 1 || len(x.Notes) < 2 ||
		x.Notes[0].Type != "opened" || x.Notes[len(x.Notes)-1].Status != "action_scheduled" {
		t.Fatalf("extended_attributes %+v", x)
	}
	plain := f.get("/requests/" + id + ".json").Body.String()
	if strings.Contains(plain, "extended_attributes") {
		t.Fatal("extended_attributes without extensions=true")
	}
	if xml := f.get("/requests/" + id + ".xml?extensions=true").Body.String(); !strings.Contains(xml, "<extended_attributes><channel>open311</channel>") ||
		!strings.Contains(xml, "<note><update_id>") {
		t.Fatalf("XML: %s", xml)
	}
	cut := url.QueryEscape(mustTime(t, "2026-11-24T11:00:00+08:00").Format("2006-01-02T15:04:05Z07:00"))
	decodeJSON(t, f.get("/requests.json?updated_after="+cut), &list)
	if len(list) != 1 || list[0].ServiceRequestID != later {
		t.Fatalf("updated_after: %d requests", len(list))
	}
	checkError(t, f.get("/requests.json?updated_after=yesterday"), formatJSON, http.StatusBadRequest, "updated_after")
	checkError(t, f.get("/requests.json?updated_after="+cut+"&updated_before="+cut), formatJSON, http.StatusBadRequest, "updated_before")
}

// POST servicerequestupdates: the client that filed the request adds its reporter's comment, once
// per update_id; another client may not; the comment shows in the public history.
func TestPostServiceRequestUpdate(t *testing.T) {
	f := newMediaFixture(t)
	id := f.create(f.form())
	add := url.Values{"api_key": {f.key}, "service_request_id": {id}, "update_id": {"77"}, "status": {"OPEN"},
		"updated_datetime": {"2026-11-24T10:30:00+08:00"}, "description": {"摊贩又回来了"}, "first_name": {"明"}, "last_name": {"李"}}
	var first, again []PostedUpdate
	decodeJSON(t, f.post("/servicerequestupdates.json", add), &first)
	decodeJSON(t, f.post("/servicerequestupdates.json", add), &again)
	if len(first) != 1 || first[0].UpdateID == "" || again[0].UpdateID != first[0].UpdateID {
		t.Fatalf("update ids %+v then %+v", first, again)
	}
	if x := f.post("/servicerequestupdates.xml", add).Body.String(); !strings.Contains(x, "<request_update><update_id>"+first[0].UpdateID+"</update_id>") {
		t.Fatalf("XML answer: %s", x)
	}
	c, _ := f.svc.CaseByNumber(context.Background(), reader, id)
	evs, _ := f.svc.CaseEvents(context.Background(), reader, c.ID)
	notes := 0
	for _, ev := range evs {
		if ev.Action == dispatcher.ActNote {
			notes++
		}
	}
	if notes != 1 {
		t.Fatalf("%d notes after three deliveries", notes)
	}
	var list []Request
	decodeJSON(t, f.get("/requests/"+id+".json?extensions=true"), &list)
	last := list[0].Extended.Notes[len(list[0].Extended.Notes)-1]
	if last.Type != "comment" || last.Description != "摊贩又回来了" {
		t.Fatalf("history ends with %+v", last)
	}
	other, _ := f.svc.CreateAPIKey(context.Background(), "other")
	byOther := url.Values{"api_key": {other}, "service_request_id": {id}, "description": {"x"}}
	checkError(t, f.post("/servicerequestupdates.json", byOther), formatJSON, http.StatusForbidden, "api_key")
	missing := url.Values{"api_key": {f.key}, "service_request_id": {"QJ20261124999999"}, "description": {"x"}}
	checkError(t, f.post("/servicerequestupdates.json", missing), formatJSON, http.StatusNotFound, "service_request_id")
	empty := url.Values{"api_key": {f.key}, "service_request_id": {id}}
	checkError(t, f.post("/servicerequestupdates.json", empty), formatJSON, http.StatusBadRequest, "description")
}

var _ = json.Marshal
