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

// Deduper remembers, for a while, what a request led to, so that the same request sent again
// (a client retrying after a lost answer) gets the same answer instead of a second case.
type Deduper interface {
	// Recall returns the value remembered for key, if it has not expired.
	Recall(ctx context.Context, key string) (value string, found bool, err error)
	// Remember keeps value for key during ttl.
	Remember(ctx context.Context, key, value string, ttl time.Duration) error
}

// MemoryLimits is the in-process Limiter and Deduper of a single hub instance.
type MemoryLimits struct {
	mu      sync.Mutex
	now     func() time.Time
	windows map[string]*window
	seen    map[string]remembered
	sweep   time.Time
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
)

// NewMemoryLimits returns empty in-process limits; now may be nil (time.Now).
func NewMemoryLimits(now func() time.Time) *MemoryLimits {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimits{now: now, windows: map[string]*window{}, seen: map[string]remembered{}}
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

// expire drops finished windows and forgotten keys, at most once a minute.
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
	for k, r := range m.seen {
		if !now.Before(r.expires) {
			delete(m.seen, k)
		}
	}
}
