package dispatcher

import (
	"context"
	"sync"
	"time"
)

// Limiter counts requests per key in fixed windows (login attempts, Open311 posts per api key).
// With Redis configured every instance shares the counts; otherwise they are per process.
type Limiter interface {
	// Allow counts one request for key and reports whether it is within limit per window; when it
	// is not, retry says how long until the window ends.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retry time.Duration, err error)
}

// Backoff slows down the repeated failures of a key (sign-in attempts): after Free failures, each
// further attempt must wait, twice as long after each failure, up to Max. With Redis configured
// every instance shares the counts; otherwise they are per process.
type Backoff interface {
	// Attempt asks to try once more for key. While key waits out its back-off, Attempt refuses
	// with the time left (retry > 0) and counts nothing. Otherwise it counts the attempt as a
	// failure at once, so that attempts sent together cannot all slip through before any of them
	// has failed, and returns 0: call Forgive when the attempt succeeds or is not made after all.
	Attempt(ctx context.Context, key string, p BackoffPolicy) (retry time.Duration, err error)
	// Forgive takes back one failure counted for key.
	Forgive(ctx context.Context, key string) error
	// Reset forgets every failure of key.
	Reset(ctx context.Context, key string) error
}

// BackoffPolicy says how a Backoff treats the failures of a key.
type BackoffPolicy struct {
	Free   int           // failures that cost no wait
	Base   time.Duration // the wait after failure Free+1; it doubles with each further failure
	Max    time.Duration // the longest wait
	Forget time.Duration // failures are forgotten this long after the last one
}

// Wait is how long the key must wait after its failures-th failure before its next attempt.
func (p BackoffPolicy) Wait(failures int) time.Duration {
	if failures <= p.Free {
		return 0
	}
	shift := failures - p.Free - 1
	if shift >= 30 || p.Base<<shift > p.Max {
		return p.Max
	}
	return p.Base << shift
}

// Deduper remembers, for a while, what a request led to, so that the same request sent again
// (a client retrying after a lost answer) gets the same answer instead of a second case.
type Deduper interface {
	// Recall returns the value remembered for key, if it has not expired.
	Recall(ctx context.Context, key string) (value string, found bool, err error)
	// Remember keeps value for key during ttl.
	Remember(ctx context.Context, key, value string, ttl time.Duration) error
}

// MemoryLimits is the in-process Limiter, Backoff and Deduper of a single hub instance.
type MemoryLimits struct {
	mu       sync.Mutex
	now      func() time.Time
	windows  map[string]*window
	seen     map[string]remembered
	failures map[string]*failures
	sweep    time.Time
}

// failures are the failures of a Backoff key.
type failures struct {
	count   int
	last    time.Time // the last failure counted
	forgets time.Time // when they are forgotten
}

type window struct {
	ends  time.Time
	count int
}

type remembered struct {
	value   string
	expires time.Time
}

var (
	_ Limiter = (*MemoryLimits)(nil)
	_ Deduper = (*MemoryLimits)(nil)
	_ Backoff = (*MemoryLimits)(nil)
)

// NewMemoryLimits returns empty in-process limits; now may be nil (time.Now).
func NewMemoryLimits(now func() time.Time) *MemoryLimits {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimits{now: now, windows: map[string]*window{}, seen: map[string]remembered{},
		failures: map[string]*failures{}}
}

// Attempt implements Backoff.
func (m *MemoryLimits) Attempt(_ context.Context, key string, p BackoffPolicy) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	f := m.failures[key]
	if f == nil || !now.Before(f.forgets) {
		f = &failures{}
		m.failures[key] = f
	}
	if until := f.last.Add(p.Wait(f.count)); f.count > 0 && now.Before(until) {
		return until.Sub(now), nil
	}
	f.count++
	f.last, f.forgets = now, now.Add(p.Forget)
	return 0, nil
}

// Forgive implements Backoff.
func (m *MemoryLimits) Forgive(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f := m.failures[key]; f != nil {
		if f.count--; f.count <= 0 {
			delete(m.failures, key)
		}
	}
	return nil
}

// Reset implements Backoff.
func (m *MemoryLimits) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, key)
	return nil
}

// Allow implements Limiter.
func (m *MemoryLimits) Allow(_ context.Context, key string, limit int, per time.Duration) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	w := m.windows[key]
	if w == nil || !now.Before(w.ends) {
		w = &window{ends: now.Add(per)}
		m.windows[key] = w
	}
	w.count++
	if w.count > limit {
		return false, w.ends.Sub(now), nil
	}
	return true, 0, nil
}

// Recall implements Deduper.
func (m *MemoryLimits) Recall(_ context.Context, key string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.seen[key]
	if !ok || !m.now().Before(r.expires) {
		return "", false, nil
	}
	return r.value, true, nil
}

// Remember implements Deduper.
func (m *MemoryLimits) Remember(_ context.Context, key, value string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	m.seen[key] = remembered{value: value, expires: now.Add(ttl)}
	return nil
}

// expire drops finished windows, forgotten failures and forgotten keys, at most once a minute.
func (m *MemoryLimits) expire(now time.Time) {
	if now.Before(m.sweep) {
		return
	}
	m.sweep = now.Add(time.Minute)
	for k, w := range m.windows {
		if !now.Before(w.ends) {
			delete(m.windows, k)
		}
	}
	for k, f := range m.failures {
		if !now.Before(f.forgets) {
			delete(m.failures, k)
		}
	}
	for k, r := range m.seen {
		if !now.Before(r.expires) {
			delete(m.seen, k)
		}
	}
}
