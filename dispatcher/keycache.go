package dispatcher

import (
	"sync"
	"time"
)

// APIKeyTTL is how long an instance trusts an api key it has read from the store. Every Open311
// request presents its key, and reading it from the store each time was a database round trip per
// report; a key disabled in the store is refused by every instance within this time (at once by
// the instance that disabled it).
const APIKeyTTL = 10 * time.Second

// keyCache remembers the enabled api keys read recently, by hash. Unknown and disabled keys are
// never remembered, so a key created by another instance or by `cityhub apikey` works at once.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]cachedKey
	// forgets counts the calls of forget. A reader notes it before reading a key from the store
	// and remembers the key only if it has not moved since: a key read just before it was disabled
	// must not be put back after forget has dropped it.
	forgets uint64
}

type cachedKey struct {
	key     APIKey
	expires time.Time
}

func (c *keyCache) get(hash string, now time.Time) (*APIKey, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[hash]
	if !ok || !now.Before(k.expires) {
		return nil, false
	}
	cp := k.key
	return &cp, true
}

// generation is the value to hand to put for a key about to be read from the store.
func (c *keyCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.forgets
}

// put remembers k, unless a key was forgotten since generation was called.
func (c *keyCache) put(k *APIKey, generation uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if generation != c.forgets {
		return
	}
	if c.keys == nil {
		c.keys = map[string]cachedKey{}
	}
	if len(c.keys) >= 256 { // drop the expired ones, so that the map stays small
		for h, old := range c.keys {
			if !now.Before(old.expires) {
				delete(c.keys, h)
			}
		}
	}
	c.keys[k.Hash] = cachedKey{key: *k, expires: now.Add(APIKeyTTL)}
}

// forget drops the key with the hash, so that its next use reads it from the store again.
func (c *keyCache) forget(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.keys, hash)
	c.forgets++
}
