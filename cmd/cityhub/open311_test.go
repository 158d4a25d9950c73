package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"cityhub/web/proxy"
)

// get fetches an absolute URL with extra headers and returns the status and body.
func get(t *testing.T, u string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatalf("%s: %v", u, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if h := header.Get("Host"); h != "" {
		req.Host = h
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// walkOpen311 follows the links the hub hands out, as a client that knows only the discovery URL
// would: the endpoint that discovery lists, then the Location of a report it files. Every link
// must answer 200.
func walkOpen311(t *testing.T, h *hub, discovery string, header http.Header) {
	t.Helper()
	key, err := h.m.svc.CreateAPIKey(context.Background(), "walker")
	if err != nil {
		t.Fatal(err)
	}
	status, body := get(t, discovery, header)
	var disc struct {
		Endpoints []struct {
			URL     string   `xml:"url"`
			Formats []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	if status != http.StatusOK || xml.Unmarshal([]byte(body), &disc) != nil || len(disc.Endpoints) != 1 {
		t.Fatalf("discovery: %d %s", status, body)
	}
	endpoint := disc.Endpoints[0].URL
	for _, path := range []string{"/services.xml", "/services.json", "/services/0501.xml", "/requests.json",
		"/servicerequestupdates.xml"} {
		if status, body := get(t, endpoint+path, header); status != http.StatusOK {
			t.Errorf("GET %s%s (from discovery): %d %.200s", endpoint, path, status, body)
		}
	}
	form := url.Values{"api_key": {key}, "service_code": {"0501"}, "lat": {"28.95"}, "long": {"106.60"},
		"description": {"占道经营"}}
	for _, format := range []string{"xml", "json"} {
		req, _ := http.NewRequest(http.MethodPost, endpoint+"/requests."+format, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, vs := range header {
			req.Header[k] = vs
		}
		req.Host = header.Get("Host")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		location := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(location, endpoint+"/requests/") {
			t.Fatalf("POST %s/requests.%s: %d, Location %q", endpoint, format, resp.StatusCode, location)
		}
		status, body := get(t, location, header)
		if status != http.StatusOK || !strings.Contains(body, "占道经营") {
			t.Errorf("GET Location %s: %d %.300s", location, status, body)
		}
	}
}

// The links of discovery and of a created report lead somewhere: through the real server, as a
// client reaches it directly, behind a trusted proxy, and under a configured --public-url.
func TestOpen311LinksAreFollowable(t *testing.T) {
	t.Run("direct", func(t *testing.T) {
		h := startHub(t)
		walkOpen311(t, h, h.base+"/open311/v2/discovery.xml", nil)
		// The Host the client used, not the listener's address.
		addr := h.m.Addr()
		port := addr[strings.LastIndexByte(addr, ':'):]
		walkOpen311(t, h, "http://localhost"+port+"/open311/v2/discovery.xml", nil)
	})
	t.Run("behind a trusted proxy", func(t *testing.T) {
		h := startHubWith(t, func(c *Config) {
			var err error
			if c.TrustedProxies, err = proxy.Parse("127.0.0.1"); err != nil {
				t.Fatal(err)
			}
		})
		// The proxy reached the hub under another name; it reports the name the client used.
		walkOpen311(t, h, h.base+"/open311/v2/discovery.xml", http.Header{"Host": {"cityhub-backend.internal"},
			"X-Forwarded-Host": {h.m.Addr()}, "X-Forwarded-Proto": {"http"}})
	})
	t.Run("public URL", func(t *testing.T) {
		addr := freeAddr(t)
		h := startHubWith(t, func(c *Config) {
			c.Addr = addr
			c.PublicURL = "http://localhost" + addr[strings.LastIndexByte(addr, ':'):]
		})
		status, body := get(t, h.base+"/open311/v2/discovery.json", nil)
		var disc struct{ Endpoints []struct{ URL string } }
		if status != 200 || json.Unmarshal([]byte(body), &disc) != nil || disc.Endpoints[0].URL != h.m.Config.PublicURL+"/open311/v2" {
			t.Fatalf("discovery with --public-url: %d %s", status, body)
		}
		walkOpen311(t, h, h.base+"/open311/v2/discovery.xml", nil)
	})
}

// A report logged through the hotline console is not on the public Open311 interface until the
// shift leader publishes it, and answers 404 like a number that does not exist until then.
func TestOpen311HidesHotlineReports(t *testing.T) {
	h := startHub(t)
	op := h.login("op1")
	var created struct{ Case struct{ Number string } }
	h.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60,
		"text": "有人占道经营", "reporter": map[string]string{"name": "李四", "phone": "13900001111"}}, 201, &created)
	number := created.Case.Number
	missing := "QJ20991231999999"
	status, body := get(t, h.base+"/open311/v2/requests/"+number+".json", nil)
	wantStatus, wantBody := get(t, h.base+"/open311/v2/requests/"+missing+".json", nil)
	if status != wantStatus || strings.ReplaceAll(body, number, "N") != strings.ReplaceAll(wantBody, missing, "N") {
		t.Errorf("a hotline report by id: %d %s\nwant as a missing number: %d %s", status, body, wantStatus, wantBody)
	}
	if _, list := get(t, h.base+"/open311/v2/requests.json", nil); strings.Contains(list, number) {
		t.Errorf("a hotline report is listed: %s", list)
	}
	h.do("POST", "/api/v1/cases/"+number+"/actions", h.login("lead1"),
		map[string]any{"action": "set_publication", "publication": "public", "reason": "群众普遍关注"}, 200, nil)
	status, body = get(t, h.base+"/open311/v2/requests/"+number+".json", nil)
	if status != http.StatusOK || strings.Contains(body, "13900001111") || strings.Contains(body, "李四") {
		t.Errorf("after publication: %d %s", status, body)
	}
}
