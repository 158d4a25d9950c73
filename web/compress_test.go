package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A large answer goes gzipped to a client that accepts it, and as it is to one that does not.
func TestLargeAnswersAreCompressed(t *testing.T) {
	body := strings.Repeat(`{"number":"QJ20261204000001","state":"dispatched"},`, 500)
	h := compressed(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	req := httptest.NewRequest("GET", "/api/v1/console/snapshot", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Body.Len() >= len(body)/5 {
		t.Fatalf("gzip accepted: encoding %q, %d bytes of %d", rec.Header().Get("Content-Encoding"), rec.Body.Len(), len(body))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != body {
		t.Fatal("the gzipped answer is not the answer")
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/console/snapshot", nil))
	if rec.Header().Get("Content-Encoding") != "" || rec.Body.String() != body {
		t.Fatalf("gzip not accepted: encoding %q", rec.Header().Get("Content-Encoding"))
	}
}
