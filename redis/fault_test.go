package redis_test

import (
	"context"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/redis"
)

// TestRedisGoesDownAndComesBack stops a private redis-server under two Clients and starts it again
// on the same port.
func TestRedisGoesDownAndComesBack(t *testing.T) {
	srv := startPrivateRedis(t)
	const poll = 200 * time.Millisecond
	prefix := newPrefix()
	pub := open(t, srv.url(), redis.Options{Prefix: prefix, DownPollInterval: poll})
	sub := open(t, srv.url(), redis.Options{Prefix: prefix, DownPollInterval: poll})
	// quiet has no down poll to speak of: its only synthetic wake-up is the one after reconnecting.
	quiet := open(t, srv.url(), redis.Options{Prefix: prefix, DownPollInterval: time.Hour})
	ch, _ := subscribed(t, sub)
	quietCh, _ := subscribed(t, quiet)
	ctx := context.Background()

	if err := pub.Publish(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, c := range []<-chan int64{ch, quietCh} {
		if got, ok := receive(c, time.Second); !ok || got != 1 {
			t.Fatalf("before the outage: %d, %v; want 1", got, ok)
		}
	}

	// Down.
	srv.stop()
	waitFor(t, "the subscription to notice the outage", 10*time.Second, func() bool {
		return !sub.Connected() && !quiet.Connected()
	})
	drain(ch)
	drain(quietCh)

	// Synthetic wake-ups every ~poll.
	var times []time.Time
	window := time.Now().Add(6 * poll)
	for time.Now().Before(window) {
		got, ok := receive(ch, time.Until(window))
		if !ok {
			break
		}
		if got != redis.SyntheticWakeUp {
			t.Fatalf("wake-up %d while Redis is down; want SyntheticWakeUp", got)
		}
		times = append(times, time.Now())
	}
	if len(times) < 3 || len(times) > 12 {
		t.Fatalf("%d synthetic wake-ups in %s with a poll interval of %s; want about 6", len(times), 6*poll, poll)
	}
	if len(times) > 1 {
		t.Logf("%d synthetic wake-ups, every %s on average", len(times), times[len(times)-1].Sub(times[0])/time.Duration(len(times)-1))
	}

	// Publish returns at once and the failed PUBLISH is counted (the case is written already:
	// nothing waits for the doorbell).
	failures := pub.PublishFailures()
	start := time.Now()
	if err := pub.Publish(ctx, 2); err != nil {
		t.Fatalf("Publish while Redis is down: %v; want nil (it never waits for Redis)", err)
	}
	t.Logf("Publish while Redis is down returned after %s", time.Since(start))
	waitFor(t, "the failed PUBLISH to be counted", 5*time.Second, func() bool {
		return pub.PublishFailures() == failures+1
	})
	// The limiter fails open; the deduper and Ping say unavailable.
	if ok, _, err := pub.Allow(ctx, "login:x", 1, time.Minute); !ok || dispatcher.ErrorCode(err) != dispatcher.EUnavailable {
		t.Fatalf("Allow while Redis is down = %v, %v; want allowed with an %s error", ok, err, dispatcher.EUnavailable)
	}
	_, _, err := pub.Recall(ctx, "req")
	wantCode(t, "Recall while Redis is down", err, dispatcher.EUnavailable)
	wantCode(t, "Remember while Redis is down", pub.Remember(ctx, "req", "v", time.Minute), dispatcher.EUnavailable)
	wantCode(t, "Ping while Redis is down", pub.Ping(ctx), dispatcher.EUnavailable)
	if got, ok := pending(quietCh); ok {
		t.Fatalf("client with an hour's down poll got wake-up %d while Redis is down", got)
	}

	// Back, on the same port: the Clients return to real wake-ups by themselves.
	srv.start()
	waitFor(t, "the subscriptions to come back", 15*time.Second, func() bool {
		return sub.Connected() && quiet.Connected()
	})
	if sub.SubscriptionLosses() < 1 || quiet.SubscriptionLosses() < 1 {
		t.Fatalf("SubscriptionLosses() = %d, %d; want >= 1", sub.SubscriptionLosses(), quiet.SubscriptionLosses())
	}
	// The wake-up sent on reconnecting (quiet has no other source of it).
	if got, ok := pending(quietCh); !ok || got != redis.SyntheticWakeUp {
		t.Fatalf("after reconnecting: %d, %v; want one SyntheticWakeUp", got, ok)
	}
	drain(ch)

	// A real id published by the other Client arrives. The publisher's pool may need a moment to
	// notice that its old connections are dead, and a down-poll tick that raced with the reconnect
	// may still be in flight, so publish until a real id comes through.
	deadline := time.Now().Add(15 * time.Second)
	for id := int64(100); ; id++ {
		if time.Now().After(deadline) {
			t.Fatal("no real wake-up within 15 s of Redis coming back")
		}
		if err := pub.Publish(ctx, id); err != nil {
			t.Logf("publish %d after the restart: %v", id, err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if waitID(ch, id, time.Second) {
			break
		}
		t.Logf("published %d after the restart; not received within 1 s", id)
	}
	if got, ok := receive(quietCh, time.Second); !ok || got < 100 || got == redis.SyntheticWakeUp {
		t.Fatalf("quiet client after the restart: %d, %v; want a real id", got, ok)
	}
	// And the down poll has stopped.
	if got, ok := receive(ch, 3*poll); ok {
		t.Fatalf("wake-up %d with nothing published and Redis up", got)
	}
	// The limits work again.
	if ok, _, err := pub.Allow(ctx, "login:x", 1, time.Minute); !ok || err != nil {
		t.Fatalf("Allow after the restart = %v, %v", ok, err)
	}
}

// A connection that stays open but no longer answers (a frozen server, a half-open TCP
// connection) is found by the PING health check. SIGSTOP freezes the private server.
func TestFrozenRedisIsDetected(t *testing.T) {
	srv := startPrivateRedis(t)
	const health = 200 * time.Millisecond
	sub := open(t, srv.url(), redis.Options{Prefix: newPrefix(), HealthInterval: health, DownPollInterval: 50 * time.Millisecond})
	ch, _ := subscribed(t, sub)

	srv.freeze()
	frozen := time.Now()
	defer srv.thaw()
	waitFor(t, "the subscription to be declared broken", 10*time.Second, func() bool { return !sub.Connected() })
	t.Logf("frozen server detected after %s (health interval %s)", time.Since(frozen), health)
	drain(ch)
	if got, ok := receive(ch, 2*time.Second); !ok || got != redis.SyntheticWakeUp {
		t.Fatalf("while frozen: %d, %v; want SyntheticWakeUp", got, ok)
	}

	srv.thaw()
	waitFor(t, "the subscription to come back", 15*time.Second, sub.Connected)
}

// TestCloseWhileSubscribingToAFrozenServer: a server that accepts connections but answers nothing
// (stopped) holds the subscription's first handshake; Close must not wait for more than OpTimeout
// on it, as it does not on a pipeline in flight.
func TestCloseWhileSubscribingToAFrozenServer(t *testing.T) {
	srv := startPrivateRedis(t)
	srv.freeze()
	defer srv.thaw()
	const opTimeout = 300 * time.Millisecond
	c := open(t, srv.url(), redis.Options{Prefix: newPrefix(), OpTimeout: opTimeout})
	time.Sleep(100 * time.Millisecond) // let the listener start its subscription
	start := time.Now()
	closed := make(chan error, 1)
	go func() { closed <- c.Close() }()
	select {
	case <-closed:
	case <-time.After(opTimeout + 2*time.Second):
		t.Fatalf("Close still waits %v after it was called (OpTimeout %v)", time.Since(start), opTimeout)
	}
}

// TestPublishNeverWaitsForRedis: with the server frozen and a minute allowed for each command,
// a Publish still returns at once (dispatcher.Bus: Publish never blocks), and so do the ones
// after it; the local subscribers are rung all the same.
func TestPublishNeverWaitsForRedis(t *testing.T) {
	srv := startPrivateRedis(t)
	c := open(t, srv.url(), redis.Options{Prefix: newPrefix(), OpTimeout: time.Minute})
	ch, _ := subscribed(t, c)
	srv.freeze()
	defer srv.thaw()
	done := make(chan error, 1)
	go func() {
		var err error
		for id := int64(1); id <= 100 && err == nil; id++ {
			err = c.Publish(context.Background(), id)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Publish waits for the frozen server")
	}
	if !waitID(ch, 100, time.Second) {
		t.Fatal("the local subscriber was not rung with 100")
	}
}
