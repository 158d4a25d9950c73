package open311

import (
	"io"
	"log/slog"
	"net/http"
	"testing"

	"cityhub/dispatcher"
)

// An api key over its cap gets 429 with Retry-After and an Open311 error list; nothing is stored;
// another key is not affected.
func TestPostsPerMinuteCap(t *testing.T) {
	f := newFixture(t, false)
	other, err := f.svc.CreateAPIKey(t.Context(), "other")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(f.svc, Options{PublicURL: testRoot, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limiter: dispatcher.NewMemoryLimits(f.clock.Now), PostsPerMinute: 2})
	f.mux = http.NewServeMux()
	f.mux.Handle("/open311/v2/", http.StripPrefix("/open311/v2", h))
	for i := 0; i < 2; i++ {
		if w := f.post("/requests.json", f.form()); w.Code != http.StatusCreated {
			t.Fatalf("post %d: %d %s", i, w.Code, w.Body)
		}
	}
	before := f.caseCount()
	w := f.post("/requests.xml", f.form())
	checkError(t, w, formatXML, http.StatusTooManyRequests, "api_key")
	if w.Header().Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if f.caseCount() != before {
		t.Error("a refused post stored a case")
	}
	form := f.form()
	form.Set("api_key", other)
	if w := f.post("/requests.json", form); w.Code != http.StatusCreated {
		t.Errorf("another key: %d", w.Code)
	}
}
