package console

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
)

func testFiles() fstest.MapFS {
	return fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>x</title>")},
		"assets/app-1a2b.js":    {Data: []byte("console.log(1)")},
		"assets/app-1a2b.js.br": {Data: []byte("BR")},
		"assets/app-1a2b.js.gz": {Data: []byte("GZ")},
		"assets/only-3c.css":    {Data: []byte("a{}")},
	}
}

func serveAsset(h *Handler, name, accept string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /console/assets/{name}", h.ServeAsset)
	req := httptest.NewRequest("GET", "/console/assets/"+name, nil)
	if accept != "" {
		req.Header.Set("Accept-Encoding", accept)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestAssetsArePreCompressedAndImmutable(t *testing.T) {
	h := NewHandler(testFiles())
	for _, c := range []struct{ accept, encoding, body string }{
		{"gzip, deflate, br", "br", "BR"},
		{"gzip", "gzip", "GZ"},
		{"br;q=0, gzip", "gzip", "GZ"},
		{"", "", "console.log(1)"},
	} {
		rec := serveAsset(h, "app-1a2b.js", c.accept)
		if rec.Code != 200 || rec.Header().Get("Content-Encoding") != c.encoding || rec.Body.String() != c.body {
			t.Errorf("Accept-Encoding %q: %d %q %q", c.accept, rec.Code, rec.Header().Get("Content-Encoding"), rec.Body.String())
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("Cache-Control %q", got)
		}
		if rec.Header().Get("Vary") != "Accept-Encoding" || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Errorf("headers %v", rec.Header())
		}
	}
	if rec := serveAsset(h, "only-3c.css", "br"); rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("a file without compressed copies: %d %v", rec.Code, rec.Header())
	}
	for _, name := range []string{"app-1a2b.js.br", "missing.js"} {
		if rec := serveAsset(h, name, "br"); rec.Code != 404 {
			t.Errorf("%s: %d, want 404", name, rec.Code)
		}
	}
}

func TestIndexWithoutBuildSaysHowToBuild(t *testing.T) {
	rec := httptest.NewRecorder()
	NewHandler(nil).ServeIndex(rec, httptest.NewRequest("GET", "/console/operator", nil))
	if rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	NewHandler(testFiles()).ServeIndex(rec, httptest.NewRequest("GET", "/console/operator", nil))
	if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("index: %d %v", rec.Code, rec.Header())
	}
}
