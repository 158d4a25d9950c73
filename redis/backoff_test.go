package redis_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/redis"
)

// The back-off is shared by every client of a prefix: failures counted through one refuse
// attempts through another, Forgive and Reset through either are seen by both.
func TestBackoffSharedBetweenClients(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	other := open(t, sharedURL(), redis.Options{Prefix: sharedPrefix(t)})
	ctx := context.Background()
	p := dispatcher.BackoffPolicy{Free: 2, Base: time.Minute, Max: 8 * time.Minute, Forget: time.Hour}

	for i, c := range []*redis.Client{a, b, a} {
		if retry, err := c.Attempt(ctx, "login:alice", p); err != nil || retry != 0 {
			t.Fatalf("attempt %d: %s, %v; want allowed", i+1, retry, err)
		}
	}
	for i, c := range []*redis.Client{b, a} {
		retry, err := c.Attempt(ctx, "login:alice", p)
		if err != nil || retry <= 0 || retry > time.Minute {
			t.Fatalf("attempt %d: %s, %v; want refused with a wait in (0, 1m]", i+4, retry, err)
		}
	}
	if retry, err := other.Attempt(ctx, "login:alice", p); err != nil || retry != 0 {
		t.Fatalf("another prefix: %s, %v", retry, err)
	}
	if retry, err := a.Attempt(ctx, "login:bob", p); err != nil || retry != 0 {
		t.Fatalf("another key: %s, %v", retry, err)
	}

	// The failures live in a hash that expires Forget after the last one.
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	key := prefix + ":bo:login:alice"
	if n, err := raw.HGet(ctx, key, "n").Int(); err != nil || n != 3 {
		t.Fatalf("HGET %s n = %d, %v; want 3", key, n, err)
	}
	if ttl, err := raw.PTTL(ctx, key).Result(); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("PTTL %s = %s, %v; want in (0, 1h]", key, ttl, err)
	}

	// Forgive (through b) takes one back: a may try once more, then waits again.
	if err := b.Forgive(ctx, "login:alice"); err != nil {
		t.Fatal(err)
	}
	if retry, err := a.Attempt(ctx, "login:alice", p); err != nil || retry != 0 {
		t.Fatalf("after Forgive: %s, %v; want allowed", retry, err)
	}
	if retry, _ := b.Attempt(ctx, "login:alice", p); retry <= 0 {
		t.Fatal("after the forgiven attempt failed again, not refused")
	}
	if err := b.Reset(ctx, "login:alice"); err != nil {
		t.Fatal(err)
	}
	if exists, _ := raw.Exists(ctx, key).Result(); exists != 0 {
		t.Fatal("Reset left the key")
	}
	if retry, err := a.Attempt(ctx, "login:alice", p); err != nil || retry != 0 {
		t.Fatalf("after Reset: %s, %v; want allowed", retry, err)
	}
}

// The wait doubles with each failure past the free ones, up to the maximum. Time is travelled by
// moving the last failure back in the hash, as if the wait had passed.
func TestBackoffWaitGrows(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix})
	raw := rawClient(t, sharedURL())
	defer raw.Close()
	ctx := context.Background()
	p := dispatcher.BackoffPolicy{Free: 1, Base: time.Minute, Max: 8 * time.Minute, Forget: time.Hour}
	key := prefix + ":bo:k"

	for failures := 1; failures <= 6; failures++ {
		if retry, err := c.Attempt(ctx, "k", p); err != nil || retry != 0 {
			t.Fatalf("attempt %d: %s, %v; want allowed (the wait has passed)", failures, retry, err)
		}
		want := p.Wait(failures)
		retry, err := c.Attempt(ctx, "k", p)
		if err != nil {
			t.Fatal(err)
		}
		if want == 0 {
			if retry != 0 {
				t.Fatalf("after %d failures (free): refused for %s", failures, retry)
			}
			if err := c.Forgive(ctx, "k"); err != nil { // that attempt was only a probe
				t.Fatal(err)
			}
			continue
		}
		// The wait is counted from the last failure, a few milliseconds ago.
		if retry > want || retry <= want-time.Second {
			t.Fatalf("after %d failures: wait %s, want %s", failures, retry, want)
		}
		last, err := raw.HGet(ctx, key, "last").Int64()
		if err != nil {
			t.Fatal(err)
		}
		raw.HSet(ctx, key, "last", strconv.FormatInt(last-want.Milliseconds(), 10))
	}
}

// The Redis back-off answers like the in-process one, call by call.
func TestBackoffMatchesMemory(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix})
	mem := dispatcher.NewMemoryLimits(nil)
	ctx := context.Background()
	p := dispatcher.BackoffPolicy{Free: 2, Base: time.Minute, Max: time.Hour, Forget: time.Hour}
	calls := []struct{ op, key string }{
		{"attempt", "x"}, {"attempt", "x"}, {"attempt", "y"}, {"attempt", "x"}, {"attempt", "x"},
		{"forgive", "x"}, {"attempt", "x"}, {"attempt", "x"}, {"reset", "x"}, {"attempt", "x"},
		{"forgive", "y"}, {"forgive", "y"}, {"attempt", "y"}, {"attempt", "y"}, {"attempt", "y"}, {"attempt", "y"},
	}
	for i, call := range calls {
		switch call.op {
		case "attempt":
			want, _ := mem.Attempt(ctx, call.key, p)
			got, err := c.Attempt(ctx, call.key, p)
			if err != nil || (got > 0) != (want > 0) {
				t.Fatalf("call %d %+v: redis %s, %v; memory %s", i, call, got, err, want)
			}
		case "forgive":
			_ = mem.Forgive(ctx, call.key)
			if err := c.Forgive(ctx, call.key); err != nil {
				t.Fatal(err)
			}
		case "reset":
			_ = mem.Reset(ctx, call.key)
			if err := c.Reset(ctx, call.key); err != nil {
				t.Fatal(err)
			}
		}
	}
}
