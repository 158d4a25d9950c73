package redis_test

import (
	"context"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/redis"
)

func TestOpenRejectsBadURL(t *testing.T) {
	for _, url := range []string{"http://127.0.0.1:6379", "redis://127.0.0.1:notaport", "::"} {
		if c, err := redis.Open(context.Background(), url, "", nil); err == nil {
			c.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}

func TestPing(t *testing.T) {
	prefix := sharedPrefix(t)
	c := open(t, sharedURL(), redis.Options{Prefix: prefix})
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if c.Prefix() != prefix {
		t.Fatalf("Prefix() = %q, want %q", c.Prefix(), prefix)
	}
}

func TestDefaultPrefix(t *testing.T) {
	// Not the shared server: every test there has a unique prefix.
	url := "redis://127.0.0.1:" + itoa(freePort(t)) + "/0"
	c, err := redis.Open(context.Background(), url, "  ", testLog)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Prefix() != redis.DefaultPrefix {
		t.Fatalf("Prefix() = %q, want %q", c.Prefix(), redis.DefaultPrefix)
	}
}

func TestWakeUpCrossesClients(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	ch, _ := subscribed(t, b)

	for _, id := range []int64{7, 8, 1 << 40} {
		if err := a.Publish(context.Background(), id); err != nil {
			t.Fatalf("Publish(%d): %v", id, err)
		}
		got, ok := receive(ch, time.Second)
		if !ok {
			t.Fatalf("wake-up %d did not reach the other client within 1 s", id)
		}
		if got != id {
			t.Fatalf("received %d, want %d", got, id)
		}
	}
	if a.PublishFailures() != 0 {
		t.Fatalf("PublishFailures() = %d", a.PublishFailures())
	}
}

// The publishing Client wakes its own subscribers directly, without waiting for its PUBLISH to
// come back.
func TestWakeUpReachesOwnSubscribers(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	ch, _ := subscribed(t, a)
	if err := a.Publish(context.Background(), 11); err != nil {
		t.Fatal(err)
	}
	if got, ok := pending(ch); !ok || got != 11 {
		t.Fatalf("own subscriber holds %d, %v right after Publish; want 11", got, ok)
	}
	// The echo through Redis may follow (or have coalesced with the direct wake-up already); it
	// carries the same id.
	if got, ok := receive(ch, 200*time.Millisecond); ok && got != 11 {
		t.Fatalf("echo: %d; want 11", got)
	}
}

func TestPrefixesAreSeparate(t *testing.T) {
	p1, p2 := sharedPrefix(t), sharedPrefix(t)
	a1 := open(t, sharedURL(), redis.Options{Prefix: p1})
	a2 := open(t, sharedURL(), redis.Options{Prefix: p2})
	b2 := open(t, sharedURL(), redis.Options{Prefix: p2})
	ch, _ := subscribed(t, b2)

	// 10 on the other prefix first: had it leaked, it would arrive first, or coalesce with 9 into 10.
	if err := a1.Publish(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	if err := a2.Publish(context.Background(), 9); err != nil {
		t.Fatal(err)
	}
	if got, ok := receive(ch, time.Second); !ok || got != 9 {
		t.Fatalf("received %d, %v; want 9 only", got, ok)
	}
	if got, ok := receive(ch, 200*time.Millisecond); ok {
		t.Fatalf("unexpected wake-up %d from another prefix", got)
	}
}

func TestCoalescing(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	ownLazy, _ := subscribed(t, a) // never read until the end
	lazy, _ := subscribed(t, b)    // never read until the end
	reader, _ := subscribed(t, b)

	const n = 500
	start := time.Now()
	for id := int64(1); id <= n; id++ {
		if err := a.Publish(context.Background(), id); err != nil {
			t.Fatalf("Publish(%d): %v", id, err)
		}
	}
	t.Logf("%d publishes with subscribers that do not read took %s", n, time.Since(start))

	// The reader sees increasing ids ending with n (it may miss some: they are coalesced).
	var last int64
	for last < n {
		got, ok := receive(reader, 2*time.Second)
		if !ok {
			t.Fatalf("reader: no wake-up after %d", last)
		}
		if got <= last || got > n {
			t.Fatalf("reader: wake-up %d after %d", got, last)
		}
		last = got
	}

	// The subscribers that did not read hold the latest id, once. (b's fan-out of n may still
	// be between the reader and the lazy subscriber: then the lazy one holds n-1 and gets n.)
	got, ok := receive(lazy, time.Second)
	if ok && got != n {
		got, ok = receive(lazy, time.Second)
	}
	if !ok || got != n {
		t.Fatalf("lazy subscriber holds %d, %v; want %d", got, ok, n)
	}
	if got, ok := pending(lazy); ok {
		t.Fatalf("lazy subscriber has a second wake-up %d", got)
	}
	// The local path is synchronous: a's own subscriber holds n. Its echoes arrive too, all <= n.
	if got, ok := pending(ownLazy); !ok || got != n {
		t.Fatalf("own lazy subscriber holds %d, %v; want %d", got, ok, n)
	}
}

func TestUnsubscribe(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix})
	gone, unsubscribe := subscribed(t, b)
	stays, _ := subscribed(t, b)
	ownGone, ownUnsubscribe := subscribed(t, a)

	unsubscribe()
	unsubscribe() // a second call does nothing
	ownUnsubscribe()

	if err := a.Publish(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	if got, ok := receive(stays, time.Second); !ok || got != 5 {
		t.Fatalf("remaining subscriber: %d, %v; want 5", got, ok)
	}
	// The fan-out that delivered 5 to stays is over or would have reached gone already; wait a
	// little more for the echo on a.
	time.Sleep(100 * time.Millisecond)
	if got, ok := pending(gone); ok {
		t.Fatalf("unsubscribed subscriber got %d", got)
	}
	if got, ok := pending(ownGone); ok {
		t.Fatalf("unsubscribed local subscriber got %d", got)
	}
}

func TestCloseEndsWakeUps(t *testing.T) {
	prefix := sharedPrefix(t)
	a := open(t, sharedURL(), redis.Options{Prefix: prefix})
	b := open(t, sharedURL(), redis.Options{Prefix: prefix, DownPollInterval: 20 * time.Millisecond})
	ch, _ := subscribed(t, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if b.Connected() {
		t.Fatal("Connected() after Close")
	}
	if err := a.Publish(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	// Neither the publish nor the down poll (a closed Client is not connected) rings.
	if got, ok := receive(ch, 200*time.Millisecond); ok {
		t.Fatalf("wake-up %d after Close", got)
	}
	err := b.Publish(context.Background(), 4)
	wantCode(t, "Publish after Close", err, dispatcher.EUnavailable)
}

// Until Redis can be reached at all, the Client polls: Open succeeds, subscribers get synthetic
// wake-ups, Publish hands its wake-up over (whose PUBLISH fails and is counted), the deduper
// fails fast and the limiter fails open.
func TestUnreachableRedis(t *testing.T) {
	url := "redis://127.0.0.1:" + itoa(freePort(t)) + "/0" // nobody listens there
	c := open(t, url, redis.Options{Prefix: newPrefix(), DownPollInterval: 50 * time.Millisecond})
	if err := c.Ping(context.Background()); dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
		t.Fatalf("Ping: %v, want an %s error", err, dispatcher.EUnavailable)
	}
	ch, _ := c.Subscribe()
	for i := 0; i < 3; i++ {
		got, ok := receive(ch, 2*time.Second)
		if !ok || got != redis.SyntheticWakeUp {
			t.Fatalf("wake-up %d: %d, %v; want a synthetic one", i, got, ok)
		}
	}
	if c.Connected() {
		t.Fatal("Connected() with nothing to connect to")
	}
	if err := c.Publish(context.Background(), 1); err != nil {
		t.Fatalf("Publish: %v; want nil (it never waits for Redis)", err)
	}
	waitFor(t, "the failed PUBLISH to be counted", 5*time.Second, func() bool { return c.PublishFailures() == 1 })
	ok, _, err := c.Allow(context.Background(), "k", 1, time.Minute)
	if !ok || dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
		t.Fatalf("Allow = %v, %v; want true (fail open) with an %s error", ok, err, dispatcher.EUnavailable)
	}
}
