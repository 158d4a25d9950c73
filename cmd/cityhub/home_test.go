package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestFrontPageAndItsLinks: a new user who opens the hub in a browser gets a page that says what
// it is, and every link on it leads somewhere (200).
func TestFrontPageAndItsLinks(t *testing.T) {
	h := startHub(t)
	res, err := http.Get(h.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	page := string(body)
	for _, want := range []string{"綦江区城市管理局", "/api/v1/openapi.json", "/open311/v2/discovery.xml", "/docs/"} {
		if !strings.Contains(page, want) {
			t.Errorf("the front page does not mention %s", want)
		}
	}
	links := regexp.MustCompile(`(?:href)="(/[^"]*)"`).FindAllStringSubmatch(page, -1)
	if len(links) < 6 {
		t.Fatalf("only %d links on the front page", len(links))
	}
	for _, l := range links {
		res, err := http.Get(h.base + l[1])
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("link %s: %d", l[1], res.StatusCode)
		}
	}
	res, err = http.Get(h.base + "/no-such-page")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("an unknown path: %d, want 404", res.StatusCode)
	}
}
