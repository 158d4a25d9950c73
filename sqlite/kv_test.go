package sqlite

import (
	"testing"
	"time"

	"cityhub/storetest"
)

func TestKV(t *testing.T) { storetest.KV(t, openTemp(t)) }

func TestOutbox(t *testing.T) { storetest.Outbox(t, openTemp(t)) }

// TestKVSweep deletes the expired rows, and only those.
func TestKVSweep(t *testing.T) {
	s := openTemp(t)
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
	if err := s.r.QueryRow("SELECT COUNT(*) FROM kv").Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("rows after the sweep: %d, %v; want 2", rows, err)
	}
	if n, err := s.KVSweep(ctx, time.Now().Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("KVSweep two hours on: %d, %v; want 1", n, err)
	}
}
