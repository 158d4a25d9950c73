package postgres

import (
	"fmt"
	"sync"
	"sync/atomic"

	"cityhub/dispatcher"
	"testing"
	"time"

	"cityhub/postgres/pgtest"
	"cityhub/storetest"
)

func TestKV(t *testing.T) { storetest.KV(t, openTest(t)) }

func TestOutbox(t *testing.T) { storetest.Outbox(t, openTest(t)) }

// TestTwoInstances races two stores on one database, as two hub instances would: claims of one
// key and claims of one outbox.
func TestTwoInstances(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	stores := []*Store{openAt(t, dsn), openAt(t, dsn)}
	ctx := t.Context()
	var wins atomic.Int64
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := stores[i%2].KVPut(ctx, "k", []byte("v"), 0, 0); err == nil {
				wins.Add(1)
			}
		})
	}
	now := time.Now()
	var items []dispatcher.OutboxItem
	for i := range 40 {
		items = append(items, dispatcher.OutboxItem{Key: fmt.Sprint("m", i), Channel: "wechat", NextAt: now})
	}
	if err := stores[0].OutboxAdd(ctx, items); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	for i := range 6 {
		wg.Go(func() {
			for {
				got, err := stores[i%2].OutboxClaim(ctx, "wechat", now, time.Hour, 2)
				if err != nil || len(got) == 0 {
					return
				}
				mu.Lock()
				for _, it := range got {
					seen[it.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("%d claims of one key won across two instances, want 1", wins.Load())
	}
	if len(seen) != 40 {
		t.Errorf("%d items claimed, want 40", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("item %d claimed %d times", id, n)
		}
	}
}

// TestKVSweep deletes the expired rows, and only those.
func TestKVSweep(t *testing.T) {
	s := openTest(t)
	ctx := t.Context()
	for _, k := range []struct {
		key string
		ttl time.Duration
	}{{"short", time.Millisecond}, {"long", time.Hour}, {"forever", 0}} {
		if _, err := s.KVPut(ctx, k.key, []byte("v"), 0, k.ttl); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.KVSweep(ctx, time.Now().Add(time.Minute))
	if err != nil || n != 1 {
		t.Fatalf("KVSweep a minute on: %d, %v; want 1 (only the 1 ms entry)", n, err)
	}
	var rows int
	if err := s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM kv").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("rows after the sweep: %d, %v; want 2", rows, err)
	}
	if n, err := s.KVSweep(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("KVSweep two hours on: %d, %v; want 1", n, err)
	}
}
