package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"cityhub/postgres/pgtest"
)

// collector gathers the case numbers a console receives.
type collector struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (c *collector) has(numbers []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range numbers {
		if !c.seen[n] {
			return false
		}
	}
	return true
}

// watch reads dispatched cases from a console until the connection ends.
func watch(h *hub, token string) *collector {
	col := &collector{seen: map[string]bool{}}
	conn := h.stream(token, 0)
	go func() {
		for {
			var m streamMsg
			if err := conn.ReadJSON(&m); err != nil {
				return
			}
			var d struct {
				Case struct{ Number string }
			}
			if json.Unmarshal(m.Data, &d) == nil && m.Type == "case.dispatched" {
				col.mu.Lock()
				col.seen[d.Case.Number] = true
				col.mu.Unlock()
			}
		}
	}()
	return col
}

func getHealth(h *hub) (int, map[string]string) {
	resp, err := http.Get(h.base + "/healthz")
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body struct{ Components map[string]string }
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Components
}

// TestRedisDownDuringReports stops the (private) Redis in the middle of a stream of reports and
// starts it again: intake goes on, a console on the other instance catches up by polling the
// store meanwhile and returns to wake-ups by itself; no report is lost.
func TestRedisDownDuringReports(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	rds := startPrivateRedis(t)
	a := startInstance(t, dsn, rds.url(), "cityhub")
	b := startInstance(t, dsn, rds.url(), "cityhub")
	key, err := a.m.svc.CreateAPIKey(context.Background(), "faults")
	if err != nil {
		t.Fatal(err)
	}
	console := watch(b, b.login("disp1"))
	var accepted []string
	post := func(n int) {
		for i := 0; i < n; i++ {
			number, status := a.postOpen311(key, 28.95, 106.60)
			if status != http.StatusCreated {
				t.Fatalf("report refused with %d while Redis is %v", status, rds.cmd != nil)
			}
			accepted = append(accepted, number)
			time.Sleep(20 * time.Millisecond)
		}
	}
	post(10)
	rds.stop()
	post(15)
	if status, comp := getHealth(a); status != http.StatusOK || comp["redis"] == "ok" {
		t.Errorf("healthz with Redis down: %d %v, want 200 and redis not ok", status, comp)
	}
	waitFor(t, func() bool { return console.has(accepted) }) // caught up by polling
	rds.start()
	post(10)
	waitFor(t, func() bool { return console.has(accepted) })
	waitFor(t, func() bool { _, comp := getHealth(a); return comp["redis"] == "ok" })
}

// TestPostgresRestartDuringReports restarts the (private) PostgreSQL while clients keep posting:
// every report answered 201 is in the store afterwards, every other one got a clear 503, and the
// hub reconnects by itself.
func TestPostgresRestartDuringReports(t *testing.T) {
	pg := startPrivatePostgres(t)
	h := startInstance(t, pg.dsn(), "", "")
	key, err := h.m.svc.CreateAPIKey(context.Background(), "faults")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var accepted []string
	refused := map[int]int{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				number, status := h.postOpen311(key, 28.95, 106.60)
				mu.Lock()
				if status == http.StatusCreated {
					accepted = append(accepted, number)
				} else {
					refused[status]++
				}
				mu.Unlock()
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(accepted) }
	waitFor(t, func() bool { return count() >= 30 })
	pg.ctl("stop", "-m", "fast") // a restart, held open long enough to look at the hub meanwhile
	if status, comp := getHealth(h); status != http.StatusServiceUnavailable || comp["store"] == "ok" {
		t.Errorf("healthz with the database down: %d %v, want 503 naming the store", status, comp)
	}
	time.Sleep(300 * time.Millisecond)
	pg.ctl("start")
	before := count()
	waitFor(t, func() bool { return count() >= before+30 }) // reconnected by itself
	close(stop)
	wg.Wait()
	for status, n := range refused {
		if status != http.StatusServiceUnavailable {
			t.Errorf("%d reports got status %d, want only 503 while the database restarts", n, status)
		}
	}
	for _, number := range accepted {
		if _, err := h.m.store.CaseByNumber(context.Background(), number); err != nil {
			t.Errorf("report %s was answered 201 but is not in the store: %v", number, err)
		}
	}
	t.Logf("%d reports accepted, refused during the restart: %v", len(accepted), refused)
	if status, comp := getHealth(h); status != http.StatusOK || !strings.HasPrefix(comp["store"], "ok") {
		t.Errorf("healthz after the restart: %d %v", status, comp)
	}
}
