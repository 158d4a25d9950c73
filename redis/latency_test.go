package redis_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"cityhub/redis"
)

// wakeUpLatencies publishes n wake-ups, one at a time, on one Client and measures how long each
// takes to reach a subscriber of another Client (from before Publish to the receive).
func wakeUpLatencies(tb testing.TB, n int) []time.Duration {
	tb.Helper()
	prefix := sharedPrefix(tb)
	pub := open(tb, sharedURL(), redis.Options{Prefix: prefix})
	sub := open(tb, sharedURL(), redis.Options{Prefix: prefix})
	ch, _ := subscribed(tb, sub)
	ctx := context.Background()

	lat := make([]time.Duration, 0, n)
	for i := 1; i <= n; i++ {
		id := int64(i)
		start := time.Now()
		if err := pub.Publish(ctx, id); err != nil {
			tb.Fatalf("Publish(%d): %v", id, err)
		}
		if !waitID(ch, id, 2*time.Second) {
			tb.Fatalf("wake-up %d not received within 2 s", id)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[int(p*float64(len(sorted)-1))]
}

func TestWakeUpLatency(t *testing.T) {
	lat := wakeUpLatencies(t, 1000)
	p50, p99 := percentile(lat, 0.50), percentile(lat, 0.99)
	t.Logf("publish-to-receive latency between two Clients over %d wake-ups: p50 %s, p99 %s, max %s",
		len(lat), p50, p99, lat[len(lat)-1])
	// Not a benchmark gate: only catches a wake-up path that has become absurdly slow.
	if p50 > 100*time.Millisecond {
		t.Errorf("p50 latency %s", p50)
	}
}

func BenchmarkWakeUpLatency(b *testing.B) {
	lat := wakeUpLatencies(b, b.N)
	b.ReportMetric(float64(percentile(lat, 0.50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds()), "p99-µs")
}
