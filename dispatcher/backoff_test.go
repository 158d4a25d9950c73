package dispatcher_test

import (
	"context"
	"testing"
	"time"

	"cityhub/dispatcher"
	"cityhub/internal/testclock"
)

var policy = dispatcher.BackoffPolicy{Free: 3, Base: time.Second, Max: 8 * time.Second, Forget: time.Hour}

func TestBackoffPolicyWait(t *testing.T) {
	for n, want := range []time.Duration{0, 0, 0, 0, 1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		if got := policy.Wait(n); got != want {
			t.Errorf("Wait(%d) = %s, want %s", n, got, want)
		}
	}
	if got := policy.Wait(1 << 20); got != policy.Max {
		t.Errorf("Wait of a huge count = %s, want the maximum %s", got, policy.Max)
	}
}

// The in-process back-off: free failures, then waits that double up to the maximum; a refused
// attempt counts nothing; Forgive takes one failure back, Reset all, and failures are forgotten
// after Forget. Keys are apart.
func TestMemoryBackoff(t *testing.T) {
	clock := testclock.New(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC))
	m := dispatcher.NewMemoryLimits(clock.Now)
	ctx := context.Background()
	attempt := func(key string) time.Duration {
		t.Helper()
		retry, err := m.Attempt(ctx, key, policy)
		if err != nil {
			t.Fatal(err)
		}
		return retry
	}
	for i := range 4 { // three free failures, and the fourth attempt is still allowed
		if r := attempt("k"); r != 0 {
			t.Fatalf("attempt %d refused for %s", i+1, r)
		}
	}
	waits := []time.Duration{}
	for range 4 {
		r := attempt("k")
		if r <= 0 {
			t.Fatalf("attempt after %d waits allowed at once", len(waits))
		}
		if again := attempt("k"); again != r { // refusals count nothing
			t.Fatalf("a refused attempt moved the wait from %s to %s", r, again)
		}
		waits = append(waits, r)
		clock.Add(r)
		if r := attempt("k"); r != 0 {
			t.Fatalf("refused again once the wait was over: %s", r)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("waits %v, want %v", waits, want)
		}
	}
	if r := attempt("other"); r != 0 {
		t.Fatalf("another key waits %s", r)
	}

	// Forgive takes back the last counted failure: the wait falls back one step.
	if err := m.Forgive(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r := attempt("k"); r != 8*time.Second {
		t.Fatalf("after Forgive the wait is %s, want 8s (the wait of the failure before)", r)
	}
	if err := m.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r := attempt("k"); r != 0 {
		t.Fatalf("after Reset the key waits %s", r)
	}

	// Forgotten an hour after the last failure.
	for range 8 {
		clock.Add(10 * time.Second)
		attempt("k")
	}
	clock.Add(time.Hour)
	for i := range 4 {
		if r := attempt("k"); r != 0 {
			t.Fatalf("attempt %d after the failures were forgotten waits %s", i+1, r)
		}
	}
}
