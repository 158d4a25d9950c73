package main

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/web/proxy"
)

// TestWebFormFlood: one address sends 300 reports at once to the web form (each with its own
// phone, so that only the address limit holds it): exactly the limit is filed, the rest are 429
// asking for the challenge; meanwhile another citizen (another address, behind the trusted proxy)
// files and gets answers. Figures are printed for docs/benchmarks.md, not asserted.
func TestWebFormFlood(t *testing.T) {
	h := startHubWith(t, func(c *Config) {
		c.TrustedProxies, _ = proxy.Parse("127.0.0.1")
	})
	const flood = 300
	before := countWebCases(t, h)
	statuses := make([]int, flood)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range flood {
		wg.Go(func() { statuses[i] = postWebReport(t, h, fmt.Sprintf("139%08d", i), "") })
	}
	var others []time.Duration
	for i := range 5 { // the other citizen, during the flood
		t0 := time.Now()
		if s := postWebReport(t, h, fmt.Sprintf("137%08d", i), "10.1.2.3"); s != http.StatusCreated {
			t.Errorf("the other address's report %d: %d", i, s)
		}
		others = append(others, time.Since(t0))
	}
	wg.Wait()
	took := time.Since(start)
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	filed := countWebCases(t, h) - before
	if count[http.StatusCreated] != 5 || count[http.StatusTooManyRequests] != flood-5 || filed != 5+5 {
		t.Fatalf("flood answers %v, cases filed %d (want 5 of the flood and the other's 5)", count, filed)
	}
	slices.Sort(others)
	t.Logf("web form flood: %d reports from one address in %v: %d filed, %d refused 429; the other address's 5 reports answered in %v..%v",
		flood, took.Round(time.Millisecond), count[201], count[429], others[0].Round(time.Millisecond), others[len(others)-1].Round(time.Millisecond))
}

func postWebReport(t *testing.T, h *hub, phone, forwardedFor string) int {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range map[string]string{"category": "0501", "text": "测试：人行道流动摊贩", "lat": "28.95", "lng": "106.6", "phone": phone, "public": "1"} {
		mw.WriteField(k, v)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, h.base+"/report/api/reports", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	res.Body.Close()
	return res.StatusCode
}

func countWebCases(t *testing.T, h *hub) int {
	page, err := h.m.store.ListCases(context.Background(), dispatcher.CaseFilter{Channel: dispatcher.ChannelWeb, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}
