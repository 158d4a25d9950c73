package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/refdata"
	"cityhub/sqlite"
)

// TestTimingOnSeededStore times the leaders' reads (measures, hot spots, the screen) over HTTP
// on a seeded SQLite store (CITYHUB_TIMING_DB, e.g. the store cmd/seed wrote) and, in the same
// run, on an empty one: the figures of docs/benchmarks.md. It only reads, but for the bearer
// token it signs the leader in with. Skipped unless CITYHUB_TIMING_DB is set; with
// CITYHUB_TIMING_OUT it also writes the table there (markdown).
func TestTimingOnSeededStore(t *testing.T) {
	seeded := os.Getenv("CITYHUB_TIMING_DB")
	if seeded == "" {
		t.Skip("set CITYHUB_TIMING_DB to a seeded SQLite store")
	}
	empty := timingHub(t, filepath.Join(t.TempDir(), "empty.db"))
	big := timingHub(t, seeded)
	cases := big.count(t)
	var out strings.Builder
	fmt.Fprintf(&out, "| request | empty store: first / median of %d | %d cases: first / median of %d |\n|---|---|---|\n", timingRuns, cases, timingRuns)
	for _, path := range timingPaths(t, big) {
		e, b := empty.time(t, path), big.time(t, path)
		fmt.Fprintf(&out, "| `%s` | %s / %s | %s / %s |\n", path, ms(e[0]), ms(median(e[1:])), ms(b[0]), ms(median(b[1:])))
	}
	t.Log("\n" + out.String())
	if p := os.Getenv("CITYHUB_TIMING_OUT"); p != "" {
		if err := os.WriteFile(p, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const timingRuns = 7 // the first, then six to take the median of

type timingServer struct {
	srv   *httptest.Server
	svc   *dispatcher.Service
	token string
}

// timingHub serves the store at path (created with the demo data if new) on the real clock.
func timingHub(t *testing.T, path string) *timingServer {
	t.Helper()
	ctx := context.Background()
	ref, err := refdata.Qijiang()
	if err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if _, err := store.Reference(ctx); dispatcher.ErrorCode(err) == dispatcher.ENotFound {
		if err := store.SaveReference(ctx, ref); err != nil {
			t.Fatal(err)
		}
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref})
	if err != nil {
		t.Fatal(err)
	}
	boss := &dispatcher.Account{Login: "boss", Name: "领导", Role: dispatcher.Leader, Unit: dispatcher.CommandCentre}
	if _, err := store.Account(ctx, "boss"); err != nil {
		if err := svc.PutAccount(ctx, boss, ""); err != nil {
			t.Fatal(err)
		}
	}
	tok, err := svc.CreateToken(ctx, "boss")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(New(Config{Service: svc}).Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { _ = store.DeleteToken(context.Background(), dispatcher.HashSecret(tok)) })
	return &timingServer{srv: srv, svc: svc, token: tok}
}

func (h *timingServer) get(t *testing.T, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", h.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+h.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// time answers the durations of timingRuns calls of path, the first (cold) first.
func (h *timingServer) time(t *testing.T, path string) []time.Duration {
	out := make([]time.Duration, timingRuns)
	for i := range out {
		start := time.Now()
		h.get(t, path)
		out[i] = time.Since(start)
	}
	return out
}

func (h *timingServer) count(t *testing.T) int {
	var page struct{ Total int }
	_ = json.Unmarshal(h.get(t, "/api/v1/cases?limit=1"), &page)
	return page.Total
}

// timingPaths are the requests timed: the cockpit's first render and changes of period and
// dimension, the map at both resolutions, a cell's cases (the busiest cell of the year) and the
// screen.
func timingPaths(t *testing.T, big *timingServer) []string {
	now := time.Now().In(big.svc.Calendar().Location())
	year, day := now.Format("2006")+"-01-01", now.Format("2006-01-02")
	var hot dispatcher.HotspotReport
	_ = json.Unmarshal(big.get(t, "/api/v1/hotspots?res=7&from="+now.AddDate(0, 0, -729).Format("2006-01-02")+"&to="+now.Format("2006-01-02")), &hot)
	cell := "874019b84ffffff"
	if len(hot.Cells) > 0 {
		cell = hot.Cells[0].Cell
	}
	twoYears := "&from=" + now.AddDate(0, 0, -729).Format("2006-01-02") + "&to=" + day
	return []string{
		"/api/v1/measures?dim=all&period=today",
		"/api/v1/measures?dim=unit&period=month",
		"/api/v1/measures?dim=category&from=" + year + "&to=" + day,
		"/api/v1/measures?dim=jurisdiction&from=" + now.AddDate(-2, 0, 0).Format("2006-01-02") + "&to=" + day,
		"/api/v1/hotspots?res=7&period=year",
		"/api/v1/hotspots?res=9&period=year",
		"/api/v1/hotspots?res=9&period=month&category=0501",
		"/api/v1/hotspots?res=9&period=year&category=0501",
		"/api/v1/hotspots?res=9" + twoYears,
		"/api/v1/hotspots?res=9&category=0501" + twoYears,
		"/api/v1/hotspots/" + cell + "/cases?period=year&limit=50",
		"/api/v1/hotspots/" + cell + "/cases?limit=50" + twoYears,
		"/api/v1/screen",
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
