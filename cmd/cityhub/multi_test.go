package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
	"cityhub/postgres/pgtest"
)

const sharedRedis = "redis://127.0.0.1:6379/0"

// uniquePrefix namespaces one test's Redis keys and removes them when it ends.
func uniquePrefix(t *testing.T, redisURL string) string {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	prefix := "cityhub-test-" + hex.EncodeToString(b)
	t.Cleanup(func() { deleteKeys(redisURL, prefix) })
	return prefix
}

func deleteKeys(redisURL, prefix string) {
	opt, err := goredis.ParseURL(redisURL)
	if err != nil {
		return
	}
	c := goredis.NewClient(opt)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	for iter.Next(ctx) {
		c.Del(ctx, iter.Val())
	}
}

// startInstance runs one hub instance on a shared database (and Redis, if redisURL is set).
func startInstance(t *testing.T, dsn, redisURL, prefix string) *hub {
	t.Helper()
	return startInstanceWith(t, dsn, redisURL, prefix, nil)
}

func startInstanceWith(t *testing.T, dsn, redisURL, prefix string, adjust func(*Config)) *hub {
	t.Helper()
	m := &Main{Config: Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), DB: dsn, Redis: redisURL,
		RedisPrefix: prefix, Demo: true, DemoPassword: "secret-pw", RefreshInterval: 200 * time.Millisecond},
		Out: &bytes.Buffer{}}
	if adjust != nil {
		adjust(&m.Config)
	}
	if err := m.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return &hub{t: t, m: m, base: "http://" + m.Addr()}
}

func (h *hub) postOpen311(key string, lat, lng float64) (string, int) {
	form := url.Values{"api_key": {key}, "service_code": {"0501"}, "lat": {ftoa(lat)}, "long": {ftoa(lng)},
		"description": {"占道经营"}}
	resp, err := http.PostForm(h.base+"/open311/v2/requests.json", form)
	if err != nil {
		return "", 0
	}
	defer resp.Body.Close()
	var out []struct {
		ID string `json:"service_request_id"`
	}
	if resp.StatusCode != http.StatusCreated || json.NewDecoder(resp.Body).Decode(&out) != nil || len(out) != 1 {
		return "", resp.StatusCode
	}
	return out[0].ID, resp.StatusCode
}

func ftoa(f float64) string { b, _ := json.Marshal(f); return string(b) }

// TestTwoInstancesShareOneDistrict: demo data is loaded once; a report filed through one instance
// reaches a console on the other within a second; a console that moves from one instance to the
// other with since misses nothing and gets nothing twice.
func TestTwoInstancesShareOneDistrict(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	prefix := uniquePrefix(t, sharedRedis)
	var a, b *hub
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a = startInstance(t, dsn, sharedRedis, prefix) }()
	go func() { defer wg.Done(); b = startInstance(t, dsn, sharedRedis, prefix) }()
	wg.Wait()
	loaded := 0
	for _, h := range []*hub{a, b} {
		if strings.Contains(h.m.Out.(*bytes.Buffer).String(), "demo data loaded") {
			loaded++
		}
	}
	if loaded != 1 {
		t.Errorf("demo data loaded by %d instances, want exactly 1", loaded)
	}
	key, err := a.m.svc.CreateAPIKey(context.Background(), "multi")
	if err != nil {
		t.Fatal(err)
	}
	token := a.login("disp1") // tokens live in the shared store: valid on every instance
	console := b.stream(token, 0)
	readUntil(t, console, "stream.live")

	sent := time.Now()
	number, status := a.postOpen311(key, 28.95, 106.60)
	if status != http.StatusCreated {
		t.Fatalf("post through A: %d", status)
	}
	console.SetReadDeadline(sent.Add(time.Second))
	for {
		var m streamMsg
		if err := console.ReadJSON(&m); err != nil {
			t.Fatalf("the report filed through A did not reach B's console within 1 s: %v", err)
		}
		if m.Type == "case.dispatched" && strings.Contains(string(m.Data), number) {
			t.Logf("A -> B delivery in %v", time.Since(sent).Round(time.Millisecond))
			break
		}
	}
	moveConsole(t, a, b, console, key, token)
}

// moveConsole reads up to an event on B, disconnects, files reports through both instances, and
// resumes on A with since: every missed event arrives once, in order.
func moveConsole(t *testing.T, a, b *hub, console interface{ Close() error }, key, token string) {
	t.Helper()
	last, err := a.m.store.LastEventID(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	console.Close()
	for i := 0; i < 6; i++ {
		h := a
		if i%2 == 1 {
			h = b
		}
		if _, status := h.postOpen311(key, 28.95, 106.60); status != http.StatusCreated {
			t.Fatalf("post %d: %d", i, status)
		}
	}
	want, err := a.m.store.EventsAfter(context.Background(), last, 1000)
	if err != nil {
		t.Fatal(err)
	}
	resumed := a.stream(token, last)
	for i := 0; i < len(want); {
		resumed.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m streamMsg
		if err := resumed.ReadJSON(&m); err != nil {
			t.Fatalf("after %d of %d missed events: %v", i, len(want), err)
		}
		if strings.HasPrefix(m.Type, "stream.") {
			continue
		}
		if m.ID != want[i].ID {
			t.Fatalf("resumed stream gave event %d, want %d (gap, duplicate or disorder)", m.ID, want[i].ID)
		}
		i++
	}
}

// TestDeadlineMarksOnceAcrossThreeInstances runs three services on one database whose clocks go
// through every warning and deadline of a batch of cases, all three ticking their schedulers at
// once at each step: each warning and each overdue mark is written exactly once.
func TestDeadlineMarksOnceAcrossThreeInstances(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	first := startInstance(t, dsn, "", "")
	op := first.login("op1")
	var cases []dispatcher.Case
	for i := 0; i < 20; i++ {
		var out struct{ Case dispatcher.Case }
		first.do("POST", "/api/v1/complaints", op, map[string]any{"category": "0501", "lat": 28.95, "lng": 106.60}, 201, &out)
		cases = append(cases, out.Case)
	}
	now := testclock.New(time.Now())
	var services []*dispatcher.Service
	for i := 0; i < 3; i++ {
		h := startInstance(t, dsn, "", "")
		svc, err := newServiceAt(context.Background(), h.m.store, now.Now)
		if err != nil {
			t.Fatal(err)
		}
		services = append(services, svc)
	}
	for _, step := range markTimes(cases) {
		now.Set(step)
		tickTogether(t, services, 5)
	}
	for _, c := range cases {
		counts := markCounts(t, first, c.ID)
		for _, k := range []string{"case.deadline_warning/acknowledge", "case.overdue/acknowledge",
			"case.deadline_warning/handling", "case.overdue/handling", "case.supervised/handling"} {
			if counts[k] != 1 {
				t.Errorf("%s: %s written %d times, want once (%v)", c.Number, k, counts[k], counts)
			}
		}
	}
}

// markTimes are the moments just past the latest warning, then the latest deadline, of each clock.
func markTimes(cases []dispatcher.Case) []time.Time {
	var ackWarn, ackDue, handWarn, handDue time.Time
	for _, c := range cases {
		ackWarn = later(ackWarn, c.Clocks.Acknowledge.WarnAt)
		ackDue = later(ackDue, c.Clocks.Acknowledge.Deadline)
		handWarn = later(handWarn, c.Clocks.Handling.WarnAt)
		handDue = later(handDue, c.Clocks.Handling.Deadline)
	}
	var out []time.Time
	for _, t := range []time.Time{ackWarn, ackDue, handWarn, handDue} {
		out = append(out, t.Add(time.Second))
	}
	return out
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func tickTogether(t *testing.T, services []*dispatcher.Service, rounds int) {
	t.Helper()
	var wg sync.WaitGroup
	for _, svc := range services {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				if _, err := svc.Tick(context.Background()); err != nil {
					t.Errorf("tick: %v", err)
				}
			}
		}()
	}
	wg.Wait()
}

func markCounts(t *testing.T, h *hub, id int64) map[string]int {
	t.Helper()
	evs, err := h.m.store.CaseEvents(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range evs {
		var d struct{ Clock string }
		json.Unmarshal(e.Data, &d)
		count[e.Type+"/"+d.Clock]++
	}
	return count
}

func newServiceAt(ctx context.Context, store dispatcher.Store, now func() time.Time) (*dispatcher.Service, error) {
	ref, err := store.Reference(ctx)
	if err != nil {
		return nil, err
	}
	router, err := dispatcher.NewRoutingPolicy(ref)
	if err != nil {
		return nil, err
	}
	return dispatcher.NewService(dispatcher.Config{Store: store, Router: router, Reference: ref, Now: now})
}

// TestReferenceChangeReachesOtherInstances: reference data saved through one instance's store (as
// an import does) is picked up by the others without a restart.
func TestReferenceChangeReachesOtherInstances(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := startInstance(t, dsn, "", "")
	b := startInstance(t, dsn, "", "")
	ref, err := a.m.store.Reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ref.Catalogue.Groups[0].Items[0].Name = "私搭乱建（已更名）"
	if err := a.m.store.SaveReference(context.Background(), ref); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		c, ok := b.m.svc.Category(ref.Catalogue.Groups[0].Items[0].Code)
		return ok && c.Name == "私搭乱建（已更名）"
	})
}

// TestLimitsAndRepeatWindowAreShared: with Redis, the Open311 per-key cap counts reports filed
// through every instance, and a repeat report filed through another instance is still flagged.
func TestLimitsAndRepeatWindowAreShared(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	prefix := uniquePrefix(t, sharedRedis)
	a := startInstanceWith(t, dsn, sharedRedis, prefix, func(c *Config) { c.Open311Rate = 3 })
	b := startInstanceWith(t, dsn, sharedRedis, prefix, func(c *Config) { c.Open311Rate = 3 })
	key, err := a.m.svc.CreateAPIKey(context.Background(), "shared-cap")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := a.postOpen311(key, 28.95, 106.60)
	second, _ := b.postOpen311(key, 28.95, 106.60)
	if _, status := a.postOpen311(key, 28.95, 106.60); status != http.StatusCreated {
		t.Fatalf("third report: %d", status)
	}
	if _, status := b.postOpen311(key, 28.95, 106.60); status != http.StatusTooManyRequests {
		t.Errorf("fourth report within the minute, through the other instance: %d, want 429", status)
	}
	c, err := b.m.store.CaseByNumber(context.Background(), second)
	if err != nil {
		t.Fatal(err)
	}
	if c.RepeatOf != first {
		t.Errorf("the repeat filed through B points at %q, want %s (filed through A)", c.RepeatOf, first)
	}
}
