package dispatcher

import (
	"context"
	"sync"
	"time"
)

// KV is a small key-value space shared by every hub instance, with a revision per key for
// compare-and-set and an optional expiry. Channel adapters keep in it what must outlive one
// request and be seen by any instance: a citizen's conversation, a claimed message id, a cached
// access token. The store implements it (SQLite, PostgreSQL); Redis does when one is configured.
type KV interface {
	// KVGet returns the entry at key; ENotFound when it is absent or expired.
	KVGet(ctx context.Context, key string) (KVEntry, error)
	// KVPut writes value at key if the key's current revision is rev: rev 0 means only if the key
	// is absent or expired (a claim). It returns the new revision (greater than every earlier one
	// of that key); EConflict when the revision did not match. ttl 0 means the entry never expires.
	KVPut(ctx context.Context, key string, value []byte, rev int64, ttl time.Duration) (int64, error)
	// KVDelete removes key if its revision is rev (0: whatever it is). Deleting an absent key is
	// not an error; a revision that does not match is EConflict.
	KVDelete(ctx context.Context, key string, rev int64) error
}

// KVEntry is one value of a KV and its revision.
type KVEntry struct {
	Value   []byte
	Rev     int64
	Expires time.Time // zero: never
}

// MemoryKV is the KV of a single process: tests, and tools that run without a store.
type MemoryKV struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[string]KVEntry
	lastRev int64
}

var _ KV = (*MemoryKV)(nil)

// NewMemoryKV returns an empty KV; now may be nil (time.Now).
func NewMemoryKV(now func() time.Time) *MemoryKV {
	if now == nil {
		now = time.Now
	}
	return &MemoryKV{now: now, entries: map[string]KVEntry{}}
}

// live returns the entry at key if it has not expired.
func (m *MemoryKV) live(key string) (KVEntry, bool) {
	e, ok := m.entries[key]
	if ok && !e.Expires.IsZero() && !m.now().Before(e.Expires) {
		delete(m.entries, key)
		return KVEntry{}, false
	}
	return e, ok
}

// KVGet implements KV.
func (m *MemoryKV) KVGet(_ context.Context, key string) (KVEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.live(key)
	if !ok {
		return KVEntry{}, Errorf(ENotFound, "no value at %q", key)
	}
	e.Value = append([]byte(nil), e.Value...)
	return e, nil
}

// KVPut implements KV.
func (m *MemoryKV) KVPut(_ context.Context, key string, value []byte, rev int64, ttl time.Duration) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, _ := m.live(key); e.Rev != rev {
		return 0, Errorf(EConflict, "%q changed meanwhile", key)
	}
	m.lastRev++
	e := KVEntry{Value: append([]byte(nil), value...), Rev: m.lastRev}
	if ttl > 0 {
		e.Expires = m.now().Add(ttl)
	}
	m.entries[key] = e
	return e.Rev, nil
}

// KVDelete implements KV.
func (m *MemoryKV) KVDelete(_ context.Context, key string, rev int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.live(key)
	if !ok {
		return nil
	}
	if rev != 0 && e.Rev != rev {
		return Errorf(EConflict, "%q changed meanwhile", key)
	}
	delete(m.entries, key)
	return nil
}
