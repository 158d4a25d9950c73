package dispatcher

import (
	"sync"
	"time"
)

// apiKeyTTL is how long an instance trusts an api key it has read from the store. Every Open311
// request presents its key, and reading it from the store each time was a database round trip per
// report; a key disabled in the store is refused by every instance within this time.
const apiKeyTTL = 10 * time.Second

// keyCache remembers the enabled api keys read recently, by hash. Unknown and disabled keys are
// never remembered, so a key created by another instance or by `cityhub apikey` works at once.
type keyCache struct {
	mu   sync.Mutex
	keys map[string]cachedKey
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

func (c *keyCache) put(k *APIKey, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
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
	c.keys[k.Hash] = cachedKey{key: *k, expires: now.Add(apiKeyTTL)}
}
