package webform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
	"cityhub/internal/testref"
	"cityhub/internal/teststore"
)

type fixture struct {
	t     *testing.T
	h     *Handler
	svc   *dispatcher.Service
	clock *testclock.Clock
}

func newFixture(t *testing.T, limits Limits) *fixture {
	ref, router := testref.Qijiang(t)
	store := teststore.Open(t)
	ms := teststore.Media(t, store)
	clk := testclock.New(time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC))
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: clk.Now, Media: ms,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := New(svc, Options{Limiter: dispatcher.NewMemoryLimits(clk.Now), KV: store.(dispatcher.KV), Limits: limits, Now: clk.Now,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &fixture{t: t, h: h, svc: svc, clock: clk}
}

// post files a report from addr with the fields (and the photo, when given).
func (f *fixture) post(addr string, fields map[string]string, photo []byte) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if photo != nil {
		w, _ := mw.CreateFormFile("photo", "p.jpg")
		w.Write(photo)
	}
	mw.Close()
	r := httptest.NewRequest(http.MethodPost, "/report/api/reports", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.RemoteAddr = addr + ":40000"
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

func report(phone string) map[string]string {
	return map[string]string{"category": "0501", "text": "人行道上有流动摊贩", "lat": "28.95", "lng": "106.6", "phone": phone, "public": "1"}
}

func (f *fixture) cases() []*dispatcher.Case {
	page, err := f.svc.Cases(context.Background(), Actor, dispatcher.CaseFilter{Limit: 1000})
	if err != nil {
		f.t.Fatal(err)
	}
	return page.Cases
}

// A report with a photo and no place takes the photo's EXIF position; the copy anyone but the
// centre gets carries no EXIF; bad fields are refused naming the field.
func TestReportWithAPhotoTakesItsPosition(t *testing.T) {
	f := newFixture(t, Limits{})
	photo, err := os.ReadFile("../../media/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	fields := report("13912345678")
	delete(fields, "lat")
	delete(fields, "lng")
	w := f.post("10.0.0.1", fields, photo)
	if w.Code != http.StatusCreated {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	c := f.cases()[0]
	if c.Channel != dispatcher.ChannelWeb || c.Location.Point.Lat != 28.95 || len(c.Media) != 1 || !c.IsPublic() || c.Reporter.Phone != "13912345678" {
		t.Fatalf("case %+v", c)
	}
	m, _, file, err := f.svc.OpenMedia(context.Background(), dispatcher.Actor{Login: "x", Role: dispatcher.Officer, Unit: c.Unit}, c.Media[0], false)
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(file)
	file.Close()
	if m.GPS == nil || bytes.Contains(served, []byte("Exif")) || bytes.Contains(served, []byte("13800138000")) {
		t.Fatalf("GPS %v; the team's copy carries EXIF: %v", m.GPS, bytes.Contains(served, []byte("Exif")))
	}
	for field, change := range map[string]map[string]string{
		"phone": {"phone": "12345"}, "text": {"text": " "}, "category": {"category": "9999"}, "lat": {"lat": "95"},
	} {
		fs := report("13912345670")
		for k, v := range change {
			fs[k] = v
		}
		w := f.post("10.0.0.2", fs, nil)
		var body struct{ Field string }
		json.Unmarshal(w.Body.Bytes(), &body)
		if w.Code != http.StatusBadRequest || body.Field != field {
			t.Errorf("%s: %d %s", field, w.Code, w.Body)
		}
	}
}

// Over the address limit a report needs a solved challenge; a challenge is used once; a phone has
// its own limit; the hard cap holds even with challenges.
func TestLimitsAndTheChallenge(t *testing.T) {
	f := newFixture(t, Limits{PerAddress: 2, AddressWindow: time.Hour, HardPerAddress: 1, HardWindow: time.Hour,
		PerPhone: 2, PhoneWindow: time.Hour, Tracks: 5, TrackWindow: time.Hour, TracksPerCase: 5, Difficulty: 8})
	for i := range 2 {
		if w := f.post("10.0.0.1", report(fmt.Sprintf("1391234567%d", i)), nil); w.Code != 201 {
			t.Fatalf("report %d: %d %s", i, w.Code, w.Body)
		}
	}
	over := f.post("10.0.0.1", report("13912345672"), nil)
	if over.Code != http.StatusTooManyRequests || !strings.Contains(over.Body.String(), `"challenge_required":true`) || over.Header().Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %s", over.Code, over.Body)
	}
	ch := f.challenge()
	solved := report("13912345673")
	solved["pow_challenge"], solved["pow_nonce"] = ch, solveFor(ch, 8)
	if w := f.post("10.0.0.1", solved, nil); w.Code != 201 {
		t.Fatalf("with a solved challenge: %d %s", w.Code, w.Body)
	}
	solved["phone"] = "13912345674"
	if w := f.post("10.0.0.1", solved, nil); w.Code != http.StatusForbidden {
		t.Fatalf("the challenge used again: %d %s", w.Code, w.Body)
	}
	ch2 := f.challenge()
	wrong := report("13912345675")
	wrong["pow_challenge"], wrong["pow_nonce"] = ch2, "not-a-solution"
	if LeadingZeroBits(ch2, "not-a-solution") < 8 {
		if w := f.post("10.0.0.1", wrong, nil); w.Code != http.StatusForbidden {
			t.Fatalf("an unsolved challenge: %d %s", w.Code, w.Body)
		}
	}
	capped := report("13912345676")
	capped["pow_challenge"], capped["pow_nonce"] = ch2, solveFor(ch2, 8)
	if w := f.post("10.0.0.1", capped, nil); w.Code != http.StatusTooManyRequests {
		t.Fatalf("over the hard cap: %d %s", w.Code, w.Body)
	}
	for i := range 3 { // one phone, from fresh addresses: the third is over the phone's limit
		w := f.post(fmt.Sprintf("10.0.1.%d", i), report("13700000000"), nil)
		if want := []int{201, 201, 429}[i]; w.Code != want {
			t.Fatalf("phone report %d: %d, want %d", i, w.Code, want)
		}
	}
	if n := len(f.cases()); n != 5 {
		t.Fatalf("%d cases filed, want 5", n)
	}
}

func (f *fixture) challenge() string {
	r := httptest.NewRequest(http.MethodGet, "/report/api/challenge", nil)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	var c Challenge
	if err := json.Unmarshal(w.Body.Bytes(), &c); err != nil || c.Challenge == "" {
		f.t.Fatalf("challenge: %d %s", w.Code, w.Body)
	}
	return c.Challenge
}

func solveFor(challenge string, bits int) string {
	for i := 0; ; i++ {
		if n := fmt.Sprint(i); LeadingZeroBits(challenge, n) >= bits {
			return n
		}
	}
}

// /track answers a case to its number and the last four digits of a reporter's phone (the first
// or a joined one); a wrong number and wrong digits answer exactly alike.
func TestTrackAnswersAlikeWhenWrong(t *testing.T) {
	f := newFixture(t, Limits{})
	w := f.post("10.0.0.1", report("13912345678"), nil)
	var filed struct{ Number string }
	json.Unmarshal(w.Body.Bytes(), &filed)
	joined := report("13600001111")
	joined["join_case"] = filed.Number
	if w := f.post("10.0.0.2", joined, nil); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"joined":true`) {
		t.Fatalf("join: %d %s", w.Code, w.Body)
	}
	track := func(number, last4 string) *httptest.ResponseRecorder {
		body, _ := json.Marshal(map[string]string{"number": number, "last4": last4})
		r := httptest.NewRequest(http.MethodPost, "/report/api/track", bytes.NewReader(body))
		r.RemoteAddr = "10.9.9.9:1"
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, r)
		return rec
	}
	for _, last4 := range []string{"5678", "1111"} {
		if w := track(filed.Number, last4); w.Code != 200 || !strings.Contains(w.Body.String(), "已受理") || strings.Contains(w.Body.String(), "1391234") {
			t.Fatalf("track with %s: %d %s", last4, w.Code, w.Body)
		}
	}
	wrongDigits, wrongNumber := track(filed.Number, "0000"), track("QJ20261205999999", "5678")
	if wrongDigits.Code != 404 || wrongDigits.Body.String() != wrongNumber.Body.String() || wrongNumber.Code != 404 {
		t.Fatalf("wrong digits %d %s; wrong number %d %s", wrongDigits.Code, wrongDigits.Body, wrongNumber.Code, wrongNumber.Body)
	}
}
