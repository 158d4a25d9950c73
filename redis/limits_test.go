package redis_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/redis"
)

func TestLimiterSharedBetweenClients(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	other := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t)})
	ctx := context.Background()
	const window = 5 * time.Second

	for i, c := range []*redis.Client{a, b, a} {
		ok, retry, err := c.Allow(ctx, "login:alice", 3, window)
		if err != nil || !ok || retry != 0 {
			t.Fatalf("request %d: Allow = %v, %s, %v; want allowed", i+1, ok, retry, err)
		}
	}
	for i, c := range []*redis.Client{b, a} {
		ok, retry, err := c.Allow(ctx, "login:alice", 3, window)
		if err != nil || ok {
			t.Fatalf("request %d: Allow = %v, %v; want refused", i+4, ok, err)
		}
		if retry <= 0 || retry > window {
			t.Fatalf("request %d: retry %s, want in (0, %s]", i+4, retry, window)
		}
	}
	// Other keys and other prefixes have counts of their own.
	if ok, _, err := a.Allow(ctx, "login:bob", 3, window); err != nil || !ok {
		t.Fatalf("another key: Allow = %v, %v", ok, err)
	}
	if ok, _, err := other.Allow(ctx, "login:alice", 3, window); err != nil || !ok {
		t.Fatalf("another prefix: Allow = %v, %v", ok, err)
	}

	// The counter lives at <prefix>:rl:<key> and expires with its window.
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	n, err := raw.Get(ctx, prefix+":rl:login:alice").Int64()
	if err != nil || n != 5 {
		t.Fatalf("counter = %d, %v; want 5", n, err)
	}
	ttl, err := raw.PTTL(ctx, prefix+":rl:login:alice").Result()
	if err != nil || ttl <= 0 || ttl > window {
		t.Fatalf("counter PTTL = %s, %v; want in (0, %s]", ttl, err, window)
	}
}

func TestLimiterWindowEnds(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	ctx := context.Background()
	const window = 300 * time.Millisecond

	if ok, _, err := a.Allow(ctx, "k", 1, window); err != nil || !ok {
		t.Fatalf("first: %v, %v", ok, err)
	}
	ok, retry, err := b.Allow(ctx, "k", 1, window)
	if err != nil || ok || retry <= 0 || retry > window {
		t.Fatalf("second: %v, %s, %v; want refused with retry in (0, %s]", ok, retry, err, window)
	}
	// Refused requests do not extend a fixed window: once it ends, a request is allowed again.
	start := time.Now()
	waitFor(t, "a new window", 5*time.Second, func() bool {
		ok, _, err := b.Allow(ctx, "k", 1, window)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	})
	t.Logf("allowed again %s after the refusal (retry said %s)", time.Since(start), retry)
}

// The Redis limiter answers like the in-process one.
func TestLimiterMatchesMemoryLimits(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix})
	mem := dispatcher.NewMemoryLimits(nil)
	ctx := context.Background()
	calls := []struct {
		key   string
		limit int
	}{
		{"x", 2}, {"y", 1}, {"x", 2}, {"x", 2}, {"y", 1}, {"z", 0}, {"x", 3}, {"x", 5}, {"x", 5}, {"y", 10},
	}
	for i, call := range calls {
		wantOK, wantRetry, _ := mem.Allow(ctx, call.key, call.limit, time.Minute)
		ok, retry, err := c.Allow(ctx, call.key, call.limit, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if ok != wantOK || (retry > 0) != (wantRetry > 0) {
			t.Fatalf("call %d %+v: redis %v, %s; memory %v, %s", i, call, ok, retry, wantOK, wantRetry)
		}
	}
}

func TestDeduperSharedBetweenClients(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	other := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t)})
	ctx := context.Background()

	if v, found, err := b.Recall(ctx, "req-1"); err != nil || found {
		t.Fatalf("Recall before Remember = %q, %v, %v", v, found, err)
	}
	if err := a.Remember(ctx, "req-1", "QJ20261127000042", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if v, found, err := b.Recall(ctx, "req-1"); err != nil || !found || v != "QJ20261127000042" {
		t.Fatalf("Recall on the other client = %q, %v, %v", v, found, err)
	}
	if _, found, err := other.Recall(ctx, "req-1"); err != nil || found {
		t.Fatalf("Recall under another prefix found the value (err %v)", err)
	}
	if err := b.Remember(ctx, "req-1", "replaced", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if v, found, err := a.Recall(ctx, "req-1"); err != nil || !found || v != "replaced" {
		t.Fatalf("Recall after a second Remember = %q, %v, %v", v, found, err)
	}

	raw := rawClient(t, sharedURL())
	defer raw.Close()
	ttl, err := raw.PTTL(ctx, prefix+":dd:req-1").Result()
	if err != nil || ttl <= 0 || ttl > 5*time.Second {
		t.Fatalf("PTTL of %s:dd:req-1 = %s, %v", prefix, ttl, err)
	}

	// A ttl <= 0 forgets at once, as the in-process deduper does.
	if err := a.Remember(ctx, "req-1", "gone", 0); err != nil {
		t.Fatal(err)
	}
	if _, found, err := b.Recall(ctx, "req-1"); err != nil || found {
		t.Fatalf("Recall after Remember with ttl 0: found %v, err %v", found, err)
	}
}

func TestDeduperExpires(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	ctx := context.Background()
	start := time.Now()
	if err := a.Remember(ctx, "short", "x", 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if _, found, err := b.Recall(ctx, "short"); err != nil || !found {
		t.Fatalf("Recall within the ttl: found %v, err %v", found, err)
	}
	waitFor(t, "the value to expire", 5*time.Second, func() bool {
		_, found, err := b.Recall(ctx, "short")
		if err != nil {
			t.Fatal(err)
		}
		return !found
	})
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("forgotten after %s, before its ttl", d)
	}
}

// The limiter and the deduper under the load test's concurrency (32 clients): 16 goroutines per
// CPU, each on a key of its own. They measure how well concurrent calls share round trips.

func BenchmarkAllowParallel(b *testing.B) {
	c := open(b, sharedURL(), redis.Options{Prefix: sharedPrefix(b)})
	benchParallel(b, func(ctx context.Context, key string) error {
		_, _, err := c.Allow(ctx, key, 1<<30, time.Minute)
		return err
	})
}

func BenchmarkRecallParallel(b *testing.B) {
	c := open(b, sharedURL(), redis.Options{Prefix: sharedPrefix(b)})
	if err := c.Remember(context.Background(), "known", "QJ1", time.Minute); err != nil {
		b.Fatal(err)
	}
	benchParallel(b, func(ctx context.Context, key string) error {
		_, _, err := c.Recall(ctx, "known")
		return err
	})
}

// BenchmarkRecallSerial is one caller at a time: the latency of a lone command, which must not
// wait for company.
func BenchmarkRecallSerial(b *testing.B) {
	c := open(b, sharedURL(), redis.Options{Prefix: sharedPrefix(b)})
	ctx := context.Background()
	for b.Loop() {
		if _, _, err := c.Recall(ctx, "unknown"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReportParallel is the limits part of one Open311 report: Allow, Recall, Remember.
func BenchmarkReportParallel(b *testing.B) {
	c := open(b, sharedURL(), redis.Options{Prefix: sharedPrefix(b)})
	benchParallel(b, func(ctx context.Context, key string) error {
		if _, _, err := c.Allow(ctx, key, 1<<30, time.Minute); err != nil {
			return err
		}
		if _, _, err := c.Recall(ctx, key); err != nil {
			return err
		}
		return c.Remember(ctx, key, "QJ1", time.Minute)
	})
}

// benchParallel runs op from 16 goroutines per CPU, each on a key of its own.
func benchParallel(b *testing.B, op func(ctx context.Context, key string) error) {
	b.Helper()
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		key := "bench:" + itoa(int(next.Add(1)))
		for pb.Next() {
			if err := op(ctx, key); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
