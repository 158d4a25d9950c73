package web

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"

	"cityhub/dispatcher"
)

// BenchmarkSnapshotAPI5000 is GET /api/v1/console/snapshot for a dispatcher with 5,000 open
// cases: the store's query, the rows and their JSON, over HTTP. It reports the answer's size.
func BenchmarkSnapshotAPI5000(b *testing.B) {
	h := newAPIHub(b)
	ctx := context.Background()
	op := dispatcher.Actor{Login: "op1", Role: dispatcher.Operator, Unit: dispatcher.CommandCentre}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for range 5000 / 8 {
				p := dispatcher.Point{Lat: 28.95 + (rng.Float64()-0.5)*0.02, Lng: 106.60 + (rng.Float64()-0.5)*0.02}
				if _, err := h.svc.Submit(ctx, op, dispatcher.Complaint{Channel: "hotline", Category: "0501", Text: "人行道上有流动摊贩，推车占道",
					Location: dispatcher.Location{Point: p, Original: p, Datum: dispatcher.WGS84}, Reporter: dispatcher.Contact{Phone: "13800001234"}}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	tok, _ := h.svc.CreateToken(ctx, "disp1")
	var size int64
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/console/snapshot", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		size, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	b.ReportMetric(float64(size)/1e6, "MB/answer")
}
